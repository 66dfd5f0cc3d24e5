"""Open a GGUF model with llama-cpp-python, translating its failures into ModelError."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

import llama_cpp
import llama_cpp.llama_cpp as llama_lib

from hausgeist.errors import ModelError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hausgeist.llm_runtime.model_store import ModelSpec
    from hausgeist.llm_runtime.options import RuntimeOptions

_PATCH_LOCK = threading.Lock()


def open_llama(spec: ModelSpec, options: RuntimeOptions) -> llama_cpp.Llama:
    """Load the model once, quietly, with the options' threads, context and seed."""
    try:
        with _model_params(use_extra_bufts=options.extra_buffer_types):
            return llama_cpp.Llama(
                model_path=str(spec.path),
                n_ctx=options.n_ctx,
                n_batch=min(options.n_batch, options.n_ctx),
                n_threads=options.threads,
                n_threads_batch=options.threads,
                seed=options.seed,
                verbose=False,
            )
    except (ValueError, RuntimeError, OSError) as err:
        raise ModelError(
            f"llama.cpp could not load {spec.path} ({err}); the file may be truncated or "
            "of an architecture this llama-cpp-python build does not know: download it "
            "again, pick another model or upgrade llama-cpp-python"
        ) from err


@contextlib.contextmanager
def _model_params(*, use_extra_bufts: bool) -> Iterator[None]:
    """Make ``Llama()`` build its model parameters with ``use_extra_bufts`` set.

    ``Llama.__init__`` takes no argument for that field: it fills the parameters from
    ``llama_model_default_params()``, so that function is wrapped while one model loads.
    """
    with _PATCH_LOCK:
        original = llama_lib.llama_model_default_params

        def params() -> Any:
            value = original()
            value.use_extra_bufts = use_extra_bufts
            return value

        llama_lib.llama_model_default_params = params
        try:
            yield
        finally:
            llama_lib.llama_model_default_params = original
