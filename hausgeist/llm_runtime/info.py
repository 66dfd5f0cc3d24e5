"""What ``hausgeist model info`` reports about the loaded model."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hausgeist.llm_runtime.gguf_header import FILE_TYPES
from hausgeist.llm_runtime.memory import megabytes, rss_bytes

if TYPE_CHECKING:
    import llama_cpp

    from hausgeist.llm_runtime.model_store import ModelSpec
    from hausgeist.llm_runtime.options import RuntimeOptions


@dataclass(frozen=True)
class RuntimeInfo:
    """The loaded model and what it costs."""

    model_name: str
    """Short name (``smollm2-135m`` or the file's stem)."""
    path: str
    """The GGUF file."""
    file_size_bytes: int
    """Size of the file on disk."""
    quantization: str
    """Weight format as llama.cpp reports it after loading (``Q4_1``)."""
    description: str
    """llama.cpp's one-line summary, e.g. ``llama 256M Q4_1`` (parameters incl. embeddings)."""
    n_ctx: int
    """Context window in tokens."""
    n_ctx_train: int
    """Context the model was trained with."""
    n_vocab: int
    """Vocabulary size (what a grammar's full scan walks)."""
    n_threads: int
    """CPU threads used (the most used, when they follow the free cores)."""
    adaptive_threads: bool
    """Each request uses only the cores other processes leave free, up to ``n_threads``."""
    load_ms: float
    """Time to load the model."""
    rss_mb: float | None
    """Resident memory of the whole process now, MiB."""
    load_rss_mb: float | None
    """Resident memory the load added, MiB (weights are mapped, so this grows as pages are used)."""
    grammars_cached: int
    """Compiled grammars held."""


def describe(
    llama: llama_cpp.Llama,
    spec: ModelSpec,
    options: RuntimeOptions,
    load_ms: float,
    rss_before: int | None,
    rss_after: int | None,
    grammars_cached: int = 0,
) -> RuntimeInfo:
    """Collect :class:`RuntimeInfo` from a loaded model."""
    import llama_cpp

    buffer = ctypes.create_string_buffer(128)
    llama_cpp.llama_model_desc(llama.model, buffer, len(buffer))
    ftype = int(llama_cpp.llama_model_ftype(llama.model)) & ~llama_cpp.LLAMA_FTYPE_GUESSED
    grown = None if rss_before is None or rss_after is None else rss_after - rss_before
    return RuntimeInfo(
        model_name=spec.name,
        path=str(spec.path),
        file_size_bytes=spec.size_bytes,
        quantization=FILE_TYPES.get(ftype, spec.quantization),
        description=buffer.value.decode("utf-8", errors="replace"),
        n_ctx=llama.n_ctx(),
        n_ctx_train=int(llama_cpp.llama_model_n_ctx_train(llama.model)),
        n_vocab=llama.n_vocab(),
        n_threads=options.threads,
        adaptive_threads=options.adapt_threads,
        load_ms=round(load_ms, 1),
        rss_mb=megabytes(rss_bytes()),
        load_rss_mb=megabytes(grown),
        grammars_cached=grammars_cached,
    )
