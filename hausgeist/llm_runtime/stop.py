"""When a request must stop: its deadline, or the caller giving up on it."""

from __future__ import annotations

import threading
import time

from hausgeist.llm_stage.generation import ModelTimeoutError


class StopSignal:
    """One request's deadline, counted from submission (queue time included), and a cancel flag.

    The worker checks it between prompt chunks and between tokens, so an abandoned
    request frees the model within one step.
    """

    def __init__(self, timeout_s: float) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        self.timeout_s = timeout_s
        self.submitted = time.monotonic()
        self.deadline = self.submitted + timeout_s
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Ask the worker to stop at its next check."""
        self._cancelled.set()

    def remaining(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    def elapsed_ms(self) -> float:
        """Milliseconds since submission."""
        return (time.monotonic() - self.submitted) * 1000

    def stopped(self) -> bool:
        """Whether the request was cancelled or its deadline has passed."""
        return self._cancelled.is_set() or time.monotonic() >= self.deadline

    def check(self, completion_tokens: int | None = None) -> None:
        """Raise :class:`ModelTimeoutError` if the request must stop now."""
        if self.stopped():
            raise self.timeout_error(completion_tokens)

    def timeout_error(self, completion_tokens: int | None = None) -> ModelTimeoutError:
        """The error that reports this request as abandoned."""
        return ModelTimeoutError(self.timeout_s, self.elapsed_ms(), completion_tokens)
