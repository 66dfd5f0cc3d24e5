"""Evaluated prompt prefixes kept on disk, so a new process does not evaluate them again.

The fixed part of a home's prompt (instructions and device list, ~700-1100 tokens) takes
seconds to evaluate on a small CPU; every ``hausgeist ask`` and every restart of the
agent would pay it before its first hand-over. llama.cpp can write the KV cache of a
context to a file and read it back (``llama_state_save_file`` / ``llama_state_load_file``:
~16 MB and ~10 ms for 700 tokens of SmolLM2). A file is named by everything its contents
depend on: the model file (path, size, modification time), the context size, the
llama-cpp-python version and the prefix's tokens. The newest few are kept.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
from pathlib import Path

import llama_cpp

log = logging.getLogger("hausgeist.llm")

KEEP = 4
"""Prefix files kept (the most recently written or used)."""
_SUFFIX = ".kv"


class KeptPrefixes:
    """Saves and restores one context's evaluated prefixes in ``directory``."""

    def __init__(self, directory: Path, llama: llama_cpp.Llama) -> None:
        self.directory = directory
        self._llama = llama
        model = Path(llama.model_path)
        stat = model.stat()
        self._identity = "|".join(
            [
                str(model.resolve()),
                str(stat.st_size),
                str(stat.st_mtime_ns),
                str(llama.n_ctx()),
                llama_cpp.__version__,
            ]
        )

    def restore(self, tokens: list[int]) -> bool:
        """Load the KV cache of ``tokens`` if it was kept; True when it now holds them."""
        path = self._path(tokens)
        if not path.is_file():
            return False
        buffer = (llama_cpp.llama_token * len(tokens))()
        count = ctypes.c_size_t(0)
        loaded = llama_cpp.llama_state_load_file(
            self._llama.ctx, str(path).encode(), buffer, len(tokens), ctypes.byref(count)
        )
        if not loaded or list(buffer[: count.value]) != tokens:
            log.warning("the kept prompt state %s does not load; evaluating it again", path)
            self._llama.n_tokens = 0  # the next evaluation clears the cache from here
            path.unlink(missing_ok=True)
            return False
        self._llama.input_ids[: len(tokens)] = tokens
        self._llama.n_tokens = len(tokens)
        os.utime(path)  # recently used: kept longer
        return True

    def keep(self, tokens: list[int]) -> None:
        """Write the KV cache, which holds exactly ``tokens``, for later processes."""
        path = self._path(tokens)
        partial = path.with_suffix(".part")
        array = (llama_cpp.llama_token * len(tokens))(*tokens)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            written = llama_cpp.llama_state_save_file(
                self._llama.ctx, str(partial).encode(), array, len(tokens)
            )
            if written:
                partial.replace(path)
                self._prune()
        except OSError as err:
            written = False
            log.warning("could not keep the evaluated prompt in %s (%s)", self.directory, err)
        if not written:
            partial.unlink(missing_ok=True)

    def _path(self, tokens: list[int]) -> Path:
        digest = hashlib.sha256(self._identity.encode())
        digest.update(",".join(map(str, tokens)).encode())
        return self.directory / f"{digest.hexdigest()[:24]}{_SUFFIX}"

    def _prune(self) -> None:
        files = sorted(self.directory.glob(f"*{_SUFFIX}"), key=lambda p: p.stat().st_mtime)
        for old in files[:-KEEP]:
            old.unlink(missing_ok=True)
