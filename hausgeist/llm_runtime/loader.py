"""Open a GGUF model with llama-cpp-python, translating its failures into ModelError."""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
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
    _quiet_llama_log()
    try:
        with (
            _model_params(use_extra_bufts=options.extra_buffer_types),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            # verbose=True: with False, llama-cpp-python points the process's file
            # descriptors 1 and 2 at /dev/null while it loads, and a JSON-lines answer
            # written meanwhile by another thread (a warm-up in the background) is lost. Its
            # own prints go to a Python-level buffer instead, its C log to our logger.
            llama = llama_cpp.Llama(
                model_path=str(spec.path),
                n_ctx=options.n_ctx,
                n_batch=min(options.n_batch, options.n_ctx),
                n_threads=options.threads,
                n_threads_batch=options.threads,
                seed=options.seed,
                verbose=True,
            )
    except (ValueError, RuntimeError, OSError) as err:
        raise ModelError(
            f"llama.cpp could not load {spec.path} ({err}); the file may be truncated or "
            "of an architecture this llama-cpp-python build does not know: download it "
            "again, pick another model or upgrade llama-cpp-python"
        ) from err
    llama.verbose = False
    return llama


log = logging.getLogger("hausgeist.llama")
_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
"""ggml.h's ``ggml_log_level`` (5, CONT, continues the line before)."""
_last_level = [logging.DEBUG]


@llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
def _log(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    """llama.cpp's log: warnings and errors to our logger, the rest dropped."""
    found = _last_level[0] if level == 5 else _LEVELS.get(level, logging.DEBUG)
    _last_level[0] = found
    if found >= logging.WARNING:
        log.log(found, "%s", text.decode("utf-8", "replace").rstrip())


def _quiet_llama_log() -> None:
    """Send llama.cpp's C log through :func:`_log` (the module keeps the callback alive)."""
    llama_cpp.llama_log_set(_log, ctypes.c_void_p(0))


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
