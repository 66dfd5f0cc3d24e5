"""The background writer: spooled records reach the database, retried with backoff.

The caller's thread only appends to the spool; this writer's thread talks to the database.
When the database is locked, full or down the user is told once, and once more when it is
back; meanwhile records wait in the spool and in memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from hausgeist.errors import HistoryError
from hausgeist.history.spool import Spool

logger = logging.getLogger("hausgeist.history")

T = TypeVar("T")

WriteBatch = Callable[[Sequence[T]], None]
"""Writes records to the database in one transaction; raises HistoryError when it cannot."""

FIRST_RETRY_S = 0.2
LAST_RETRY_S = 10.0
BATCH_SIZE = 500


class SpooledWriter(Generic[T]):
    """Queues records (spool first, then memory) and writes them from one worker thread."""

    def __init__(
        self, spool: Spool[T], write: WriteBatch[T], where: str, name: str = "hausgeist-history"
    ) -> None:
        self._spool = spool
        self._write = write
        self._where = where
        self._pending: list[T] = []
        self._cond = threading.Condition()
        self._started = 0  # attempts begun; flush() waits for one begun after it was called
        self._finished = 0
        self._last_failed = False
        self._wake = False
        self._stopping = False
        self._stopped = False
        self._down = False  # the user was told the database is unreachable
        self._spool_failed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self, backlog: Sequence[T]) -> None:
        """Start the worker with the entries a previous run left in the spool."""
        with self._cond:
            self._pending.extend(backlog)
        self._thread.start()

    @property
    def pending_count(self) -> int:
        """Entries not yet in the database."""
        with self._cond:
            return len(self._pending)

    def waiting(self) -> list[T]:
        """A copy of the entries not yet in the database, oldest first."""
        with self._cond:
            return list(self._pending)

    def submit(self, entry: T) -> None:
        """Spool the record, then queue it for the database. Never raises."""
        self.submit_many([entry])

    def submit_many(self, entries: Sequence[T]) -> None:
        """Spool the records (one write, one fsync), then queue them. Never raises."""
        lines = [self._spool.codec.encode(entry) for entry in entries]
        stored = [self._spool.codec.decode(line) for line in lines]  # as a later run reads them
        try:
            self._spool.append_many(lines)
        except OSError as exc:
            if not self._spool_failed:
                logger.warning(
                    "cannot write the history spool %s (%s); records are kept in"
                    " memory until the database takes them",
                    self._spool.path,
                    exc,
                )
            self._spool_failed = True
        with self._cond:
            self._pending.extend(stored)
            self._cond.notify_all()

    def flush(self, timeout: float) -> int:
        """Write what waits now; return how many entries still wait (0: all written).

        Returns once the queue is empty, once an attempt begun after this call has failed,
        or after ``timeout`` seconds, whichever comes first.
        """
        with self._cond:
            target = self._started + 1
            self._wake = True
            self._cond.notify_all()
            self._cond.wait_for(
                lambda: (
                    not self._pending
                    or self._stopped
                    or (self._finished >= target and self._last_failed)
                ),
                timeout,
            )
            return len(self._pending)

    def stop(self, timeout: float) -> None:
        """End the worker; what still waits stays in the spool for the next run."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = FIRST_RETRY_S
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: bool(self._pending) or self._stopping)
                    if self._stopping:
                        return
                    batch = self._pending[:BATCH_SIZE]
                    self._started += 1
                    attempt = self._started
                    self._wake = False
                written = self._attempt(batch)
                with self._cond:
                    if written:
                        del self._pending[: len(batch)]  # only this thread removes entries
                    self._finished, self._last_failed = attempt, not written
                    self._cond.notify_all()
                    if not written:
                        self._cond.wait_for(lambda: self._wake or self._stopping, delay)
                delay = FIRST_RETRY_S if written else min(delay * 2, LAST_RETRY_S)
        finally:
            with self._cond:
                self._stopped = True
                self._cond.notify_all()

    def _attempt(self, batch: Sequence[T]) -> bool:
        try:
            self._write(batch)
        except HistoryError as exc:
            self._note_down(str(exc))
            return False
        except Exception as exc:  # the worker must outlive any failure
            logger.debug("history write failed", exc_info=True)
            self._note_down(f"{type(exc).__name__}: {exc}")
            return False
        if self._down:
            logger.warning(
                "history database %s is reachable again; the records kept meanwhile are written",
                self._where,
            )
            self._down = False
        try:
            self._spool.remove({self._spool.codec.key(entry) for entry in batch})
        except OSError as exc:  # the rows are committed; a later run skips them as duplicates
            logger.warning("cannot trim the history spool %s: %s", self._spool.path, exc)
        return True

    def _note_down(self, reason: str) -> None:
        if not self._down:
            logger.warning(
                "history database %s is unreachable (%s); records are kept in %s"
                " and will be written when it is back",
                self._where,
                reason,
                self._spool.path,
            )
        self._down = True
