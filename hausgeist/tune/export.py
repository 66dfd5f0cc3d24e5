"""Export a tuned model: a GGUF with the source's tokenizer and metadata, then llama.cpp's
own quantizer, then a load-and-answer check through the runtime the agent uses.

Never re-quantize a tune of SmolLM2 to Q4_1, its original format: its starting weights
sit exactly on the Q4_1 grid and a fine-tune moves them by a fraction of one step, so
Q4_1 puts most of them back on their original codes and erases the tune.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from hausgeist.errors import ModelError
from hausgeist.llm_runtime.model_store import resolve_model
from hausgeist.llm_runtime.options import RuntimeOptions
from hausgeist.llm_runtime.runtime import LlamaRuntime
from hausgeist.llm_stage.gate import choice_confidence
from hausgeist.llm_stage.generation import Forcer, GenerationRequest
from hausgeist.llm_stage.schema import AnswerError, LlmAnswer, parse_answer
from hausgeist.tune.weights import Array

QUANTIZATIONS = ("Q8_0", "Q5_K_M", "Q4_K_M")
"""Formats a tune may be quantized to (Q4_1 is refused, see the module docstring)."""
_FTYPES = {"F32": 0, "F16": 1, "Q8_0": 7, "Q4_K_M": 15, "Q5_K_M": 17}
_SMALL_OUTPUT = {"Q4_K_M": "Q5_0"}
"""The tied embedding/output matrix of a 576-wide model falls back from Q6_K to Q8_0 under
Q4_K_M (its rows do not fit a 256-block); Q5_0 keeps the file under 100 MB."""


@dataclass(frozen=True)
class Check:
    """What loading a file and asking it a few prompts showed."""

    load_ms: float
    """Load time."""
    answered: int
    """Prompts answered with a schema answer."""
    asked: int
    """Prompts asked."""
    answers: tuple[LlmAnswer | None, ...]
    """Each answer (None when it was not a schema answer)."""
    latencies_ms: tuple[float, ...]
    """Time each answer took."""
    confidences: tuple[float, ...] = ()
    """Each answer's confidence at its choice points (:func:`choice_confidence`)."""


Prompted = tuple[str, str, str, Forcer | None]
"""A prompt as the stage asks it: prefix, suffix, grammar, jump-forward (or None)."""


def write_gguf(source: Path, tensors: dict[str, Array], out: Path, *, f16: bool = True) -> Path:
    """A GGUF with every key of ``source`` (tokenizer included) and ``tensors``.

    Matrices are written as F16 (or F32), one-dimensional tensors (norms) as F32, in the
    source's tensor order."""
    from gguf import GGUFReader, GGUFValueType, GGUFWriter

    reader = GGUFReader(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    writer = GGUFWriter(partial, arch=str(reader.fields["general.architecture"].contents()))
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        if key == "general.file_type":
            writer.add_file_type(_FTYPES["F16" if f16 else "F32"])
            continue
        sub = field.types[-1] if field.types[0] == GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), field.types[0], sub)
    for info in reader.tensors:
        array = tensors[info.name]
        dtype = np.float16 if f16 and array.ndim > 1 else np.float32
        writer.add_tensor(info.name, np.ascontiguousarray(array, dtype=dtype))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(out)
    return out


def quantize(source: Path, out: Path, kind: str, threads: int = 2) -> Path:
    """Quantize ``source`` to ``kind`` (Q8_0, Q5_K_M or Q4_K_M) with llama.cpp's quantizer."""
    import llama_cpp

    if kind not in QUANTIZATIONS:
        raise ModelError(
            f"cannot quantize a tune to {kind}: use one of {', '.join(QUANTIZATIONS)} "
            "(Q4_1 would put the weights back on the stock model's grid and erase the tune)"
        )
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)  # its per-tensor log
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = _FTYPES[kind]
    params.nthread = threads
    if kind in _SMALL_OUTPUT:
        small = getattr(llama_cpp, f"GGML_TYPE_{_SMALL_OUTPUT[kind]}")
        params.output_tensor_type = small
        params.token_embedding_type = small
    partial = out.with_name(out.name + ".partial")
    with _captured_stderr() as log:
        status = llama_cpp.llama_model_quantize(
            str(source).encode(), str(partial).encode(), ctypes.byref(params)
        )
    if status != 0:
        partial.unlink(missing_ok=True)
        tail = log.read_text(errors="replace")[-400:] if log.exists() else ""
        raise ModelError(f"llama.cpp could not quantize {source} to {kind}: {tail}")
    log.unlink(missing_ok=True)
    partial.replace(out)
    return out


@contextlib.contextmanager
def _captured_stderr() -> Iterator[Path]:
    """Send what C code writes to stderr (llama.cpp's per-tensor log) into a file."""
    sys.stderr.flush()
    handle, name = tempfile.mkstemp(prefix="hausgeist-quantize-", suffix=".log")
    saved = os.dup(2)
    os.dup2(handle, 2)
    try:
        yield Path(name)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(handle)


def check(
    path: Path,
    prompts: Sequence[Prompted],
    threads: int | Literal["auto"] = 2,
    timeout_s: float = 30.0,
) -> Check:
    """Load ``path`` through :class:`LlamaRuntime` and answer the prompts as the stage asks
    them (grammar and jump-forward); ModelError when the file does not load."""
    options = RuntimeOptions.with_threads(threads, n_ctx=4096)
    answers: list[LlmAnswer | None] = []
    latencies: list[float] = []
    confidences: list[float] = []
    with LlamaRuntime.load(resolve_model(str(path)), options) as runtime:
        for prefix, suffix, grammar, forcer in prompts:
            started = time.perf_counter()
            generation = runtime.generate(
                GenerationRequest(prefix, suffix, grammar, 160, forcer), timeout_s
            )
            latencies.append((time.perf_counter() - started) * 1000)
            confidences.append(choice_confidence(generation).score)
            try:
                answers.append(parse_answer(generation.text))
            except AnswerError:
                answers.append(None)
        load_ms = runtime.load_ms
    answered = sum(a is not None for a in answers)
    return Check(
        load_ms, answered, len(prompts), tuple(answers), tuple(latencies), tuple(confidences)
    )


def prune(tensors: dict[str, Array], fraction: float) -> dict[str, Array]:
    """Magnitude pruning: the smallest ``fraction`` of each block matrix set to zero.

    The embedding and norms are kept. GGUF stores zeros like any other value, so this
    does not make the file smaller; it measures how much of the tune the model needs."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must be in 0..1, got {fraction}")
    out = dict(tensors)
    for name, array in tensors.items():
        if fraction == 0.0 or array.ndim < 2 or not name.startswith("blk."):
            continue
        cut = np.quantile(np.abs(array), fraction)
        out[name] = np.where(np.abs(array) < cut, np.float32(0.0), array).astype(np.float32)
    return out
