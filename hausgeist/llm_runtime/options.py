"""How the runtime sets up llama.cpp."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class RuntimeOptions:
    """Settings of one loaded model; the defaults suit a small model on a 2-4 core machine."""

    n_ctx: int = 2048
    """Context window in tokens: prompt (prefix + suffix) plus answer must fit."""
    n_threads: int | None = None
    """Threads for prompt and generation; ``None`` = every core the process may use.

    All cores is fastest on an idle machine (2 cores: ~1.8x one thread), but llama.cpp's
    threads spin at every barrier, so when another busy process takes one of the cores
    it can become several times slower; one thread on a 2-core machine stays steady."""
    adapt_threads: bool = False
    """Per request, use only as many of the ``n_threads`` as other processes leave cores
    free (:mod:`.cores`): all of them on an idle machine, one when the others are busy."""
    kept_prefixes: Path | None = None
    """Directory where evaluated prompt prefixes are kept for later processes
    (:mod:`.kept`); None: evaluate them again in every process."""
    seed: int = 1234
    """Fixed sampler seed (decoding is greedy, so answers are deterministic anyway)."""
    n_batch: int = 512
    """llama.cpp's logical batch size."""
    prompt_chunk: int = 64
    """Prompt tokens evaluated between two checks of the request's deadline.

    Smaller chunks stop an abandoned request sooner; below ~64 prompt speed drops."""
    top_token_first: bool = True
    """Ask the grammar about the model's top token before masking the whole vocabulary."""
    grammar_cache_size: int = 8
    """Compiled grammars kept per model."""
    extra_buffer_types: bool = False
    """Let llama.cpp repack weights for AMX / AVX-512 kernels (``use_extra_bufts``).

    Off by default: on virtual machines that report AMX without enabling it, the AMX
    kernel crashes the process (SIGSEGV in ``ggml_backend_amx_mul_mat``)."""

    def __post_init__(self) -> None:
        if self.n_ctx < 16:
            raise ValueError(f"n_ctx must be at least 16, got {self.n_ctx}")
        if self.n_threads is not None and self.n_threads < 1:
            raise ValueError(f"n_threads must be at least 1, got {self.n_threads}")
        if self.prompt_chunk < 1 or self.n_batch < 1 or self.grammar_cache_size < 1:
            raise ValueError("prompt_chunk, n_batch and grammar_cache_size must be positive")

    @classmethod
    def with_threads(cls, threads: int | Literal["auto"], **others: Any) -> RuntimeOptions:
        """Options for ``llm.threads``: a fixed count, or "auto" (the cores that are free)."""
        if threads == "auto":
            return cls(n_threads=None, adapt_threads=True, **others)
        return cls(n_threads=threads, **others)

    @property
    def threads(self) -> int:
        """The thread count actually used."""
        return self.n_threads or available_cores()
