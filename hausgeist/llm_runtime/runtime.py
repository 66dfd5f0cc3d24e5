"""``LlamaRuntime``: the loaded model behind one worker thread, for sync and async callers.

Every request, from :meth:`LlamaRuntime.generate` or :meth:`LlamaRuntime.agenerate`,
goes into one FIFO queue served by one thread that owns the model, so requests
run one at a time in the order they arrived. A request's ``timeout_s`` counts from
submission, waiting included. When it runs out the caller gets
:class:`~hausgeist.llm_stage.generation.ModelTimeoutError` at once (no partial
answer: a cut-off grammar answer is not usable), and the worker abandons the
request at its next check (one token or one prompt chunk later) or skips it if it
has not started. A cancelled ``agenerate`` abandons its request the same way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from hausgeist.errors import ModelError
from hausgeist.llm_runtime.info import RuntimeInfo, describe
from hausgeist.llm_runtime.memory import rss_bytes
from hausgeist.llm_runtime.model_store import resolve_model
from hausgeist.llm_runtime.options import RuntimeOptions
from hausgeist.llm_runtime.stop import StopSignal
from hausgeist.llm_stage.generation import Generation, GenerationRequest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import TracebackType
    from typing import Self

    from hausgeist.config.models import LlmConfig
    from hausgeist.llm_runtime.engine import LlamaEngine
    from hausgeist.llm_runtime.model_store import ModelSpec

P = ParamSpec("P")
R = TypeVar("R")


class LlamaRuntime:
    """One GGUF model loaded once, answering requests one at a time in arrival order."""

    def __init__(
        self,
        engine: LlamaEngine,
        spec: ModelSpec,
        options: RuntimeOptions,
        worker: concurrent.futures.ThreadPoolExecutor,
        load_ms: float,
        rss_before: int | None,
    ) -> None:
        self._engine = engine
        self._worker = worker
        self._closed = False
        self._open_requests: set[StopSignal] = set()
        self._lock = threading.Lock()
        self.spec = spec
        self.options = options
        self.load_ms = load_ms
        self.rss_before = rss_before
        self.rss_after_load = rss_bytes()

    @classmethod
    def load(cls, spec: ModelSpec, options: RuntimeOptions | None = None) -> Self:
        """Load ``spec`` in the worker thread and wait (from a loop: ``asyncio.to_thread``)."""
        options = options or RuntimeOptions()
        worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="llama")
        rss_before = rss_bytes()
        started = time.perf_counter()
        try:
            engine = worker.submit(_open_engine, spec, options).result()
        except BaseException:
            worker.shutdown(wait=False)
            raise
        load_ms = (time.perf_counter() - started) * 1000
        return cls(engine, spec, options, worker, load_ms, rss_before)

    def generate(self, request: GenerationRequest, timeout_s: float) -> Generation:
        """Blocking generation for the CLI and scripts; never call it on an event loop."""
        stop = StopSignal(timeout_s)
        return self._wait(self._submit(stop, self._engine.generate, request, stop), stop)

    async def agenerate(self, request: GenerationRequest, timeout_s: float) -> Generation:
        """Generation for the event loop: waits without blocking it, in FIFO order."""
        stop = StopSignal(timeout_s)
        return await self._await(self._submit(stop, self._engine.generate, request, stop), stop)

    def prime(self, prefix: str, timeout_s: float = 60.0) -> int:
        """Evaluate a new fixed prefix ahead of the first request; returns tokens evaluated."""
        stop = StopSignal(timeout_s)
        return self._wait(self._submit(stop, self._engine.prime, prefix, stop), stop)

    async def aprime(self, prefix: str, timeout_s: float = 60.0) -> int:
        """:meth:`prime` for the event loop."""
        stop = StopSignal(timeout_s)
        return await self._await(self._submit(stop, self._engine.prime, prefix, stop), stop)

    def info(self) -> RuntimeInfo:
        """What ``hausgeist model info`` shows."""
        if self._closed:
            raise ModelError("the model runtime is closed; load the model again")
        return describe(
            self._engine.llama,
            self.spec,
            self.options,
            self.load_ms,
            self.rss_before,
            self.rss_after_load,
            len(self._engine.grammars),
        )

    def close(self) -> None:
        """Abandon running and queued requests, stop the worker and free the model."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for stop in self._open_requests:
                stop.cancel()
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _submit(
        self, stop: StopSignal, job: Callable[P, R], *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[R]:
        with self._lock:
            if self._closed:
                raise ModelError("the model runtime is closed; load the model again")
            future = self._worker.submit(job, *args, **kwargs)
            self._open_requests.add(stop)
        future.add_done_callback(lambda _: self._forget(stop))
        return future

    def _forget(self, stop: StopSignal) -> None:
        with self._lock:
            self._open_requests.discard(stop)

    @staticmethod
    def _wait(future: concurrent.futures.Future[R], stop: StopSignal) -> R:
        try:
            return future.result(timeout=stop.remaining())
        except concurrent.futures.TimeoutError:
            _abandon(future, stop)
            raise stop.timeout_error() from None
        except KeyboardInterrupt:
            _abandon(future, stop)
            raise

    @staticmethod
    async def _await(future: concurrent.futures.Future[R], stop: StopSignal) -> R:
        waiter = asyncio.wrap_future(future)
        try:
            done, _ = await asyncio.wait({waiter}, timeout=stop.remaining())
        except asyncio.CancelledError:
            _abandon(future, stop, waiter)
            raise
        if not done:
            _abandon(future, stop, waiter)
            raise stop.timeout_error()
        return waiter.result()


def load_runtime(config: LlmConfig, kept_prefixes: Path | None = None) -> LlamaRuntime:
    """Load the configured model (blocking; ``ModelError`` when it cannot be loaded);
    evaluated prompt prefixes are kept in ``kept_prefixes`` for later processes."""
    options = RuntimeOptions.with_threads(
        config.threads, n_ctx=config.context, kept_prefixes=kept_prefixes
    )
    return LlamaRuntime.load(resolve_model(config.model), options)


def _open_engine(spec: ModelSpec, options: RuntimeOptions) -> LlamaEngine:
    from hausgeist.llm_runtime.engine import LlamaEngine  # llama.cpp loads in the worker
    from hausgeist.llm_runtime.loader import open_llama

    return LlamaEngine(open_llama(spec, options), options)


def _abandon(
    future: concurrent.futures.Future[R], stop: StopSignal, waiter: asyncio.Future[R] | None = None
) -> None:
    """Tell the worker to drop the request and make sure its late outcome is never reported."""
    stop.cancel()
    future.cancel()  # succeeds only while it still waits in the queue
    if waiter is not None:
        waiter.add_done_callback(_swallow)


def _swallow(waiter: asyncio.Future[R]) -> None:
    if not waiter.cancelled():
        waiter.exception()
