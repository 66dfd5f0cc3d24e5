"""Read a Llama-architecture GGUF: its shape, its metadata and its tensors as float32.

Every quantized tensor is dequantized with the ``gguf`` package, so tuning starts
from exactly the weights llama.cpp runs, and no download is ever needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hausgeist.errors import ModelError

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LlamaShape:
    """The hyper-parameters of a Llama model as its GGUF header records them."""

    vocab: int
    """Tokens in the vocabulary (rows of ``token_embd``)."""
    hidden: int
    """Width of the residual stream."""
    layers: int
    """Transformer blocks."""
    heads: int
    """Query heads."""
    kv_heads: int
    """Key/value heads (grouped-query attention)."""
    ffn: int
    """Width of the feed-forward layer."""
    rope_base: float
    """RoPE frequency base."""
    eps: float
    """RMSNorm epsilon."""
    tied: bool
    """The output layer is the token embedding (no ``output.weight``)."""

    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.hidden // self.heads


@dataclass(frozen=True)
class GgufModel:
    """A GGUF file read into memory."""

    path: Path
    """Where it was read from."""
    shape: LlamaShape
    """The architecture's numbers."""
    tensors: dict[str, Array]
    """Every tensor, dequantized to float32, in llama.cpp's (rows, columns) layout."""
    types: dict[str, str]
    """Each tensor's type in the file (``Q4_1``, ``F32``)."""


def read_gguf(path: Path) -> GgufModel:
    """Read and dequantize a Llama-architecture GGUF (about 4 s for SmolLM2-135M)."""
    from gguf import GGUFReader
    from gguf.quants import dequantize

    try:
        reader = GGUFReader(path)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path} as GGUF ({exc})") from exc
    meta = metadata(reader)
    arch = meta.get("general.architecture")
    if arch != "llama":
        raise ModelError(
            f"{path} is a {arch!r} model; tuning knows the Llama architecture only "
            "(the default SmolLM2 model is one)"
        )
    tensors: dict[str, Array] = {}
    types: dict[str, str] = {}
    for tensor in reader.tensors:
        values = dequantize(tensor.data, tensor.tensor_type)
        rows = [int(n) for n in reversed(tensor.shape)]
        tensors[tensor.name] = np.array(values, dtype=np.float32).reshape(rows)
        types[tensor.name] = tensor.tensor_type.name
    shape = LlamaShape(
        vocab=tensors["token_embd.weight"].shape[0],
        hidden=int(meta["llama.embedding_length"]),
        layers=int(meta["llama.block_count"]),
        heads=int(meta["llama.attention.head_count"]),
        kv_heads=int(meta.get("llama.attention.head_count_kv", meta["llama.attention.head_count"])),
        ffn=int(meta["llama.feed_forward_length"]),
        rope_base=float(meta.get("llama.rope.freq_base", 10000.0)),
        eps=float(meta["llama.attention.layer_norm_rms_epsilon"]),
        tied="output.weight" not in tensors,
    )
    return GgufModel(path, shape, tensors, types)


def metadata(reader: Any) -> dict[str, Any]:
    """The scalar key/values of a ``GGUFReader`` (arrays are left out)."""
    out: dict[str, Any] = {}
    for key, field in reader.fields.items():
        if len(field.types) == 1 and not key.startswith("GGUF."):
            out[key] = field.contents()
    return out
