"""`SqlHistory`: the history of handled requests, kept in SQLite or PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from hausgeist.errors import HistoryError
from hausgeist.history import schema
from hausgeist.history.database import (
    default_url,
    delete_before,
    insert_learning,
    insert_new,
    insert_runs,
    last_runs,
    make_engine,
    select_all,
    select_entry,
    select_learning,
    select_recent,
    select_runs,
)
from hausgeist.history.entry import HistoryEntry
from hausgeist.history.learned import LearningEvent
from hausgeist.history.runs import AutomationRun
from hausgeist.history.spool import ENTRIES, Codec, Spool, record_codec
from hausgeist.history.writer import SpooledWriter

T = TypeVar("T")

logger = logging.getLogger("hausgeist.history")

SPOOL_NAME = "history-spool.jsonl"
"""The spool file in the data directory."""
RUNS_SPOOL_NAME = "automation-runs-spool.jsonl"
"""The spool of automation runs, beside it."""
RUNS: Codec[AutomationRun] = record_codec(
    AutomationRun.to_dict, AutomationRun.from_dict, lambda run: run.key
)
LEARNING_SPOOL_NAME = "learning-spool.jsonl"
"""The spool of learning events, beside it."""
LEARNING: Codec[LearningEvent] = record_codec(
    LearningEvent.to_dict, LearningEvent.from_dict, lambda event: event.key
)


class SqlHistory:
    """Records every request; `record` never raises and never waits for the database."""

    def __init__(
        self,
        engine: Engine,
        spool: Spool[HistoryEntry],
        runs_spool: Spool[AutomationRun] | None = None,
        learning_spool: Spool[LearningEvent] | None = None,
    ) -> None:
        self._engine = engine
        self._spool = spool
        self._where = engine.url.render_as_string(hide_password=True)
        self._schema_lock = threading.Lock()
        self._migrated = False
        self._writer = SpooledWriter(spool, self._write, self._where)
        runs_spool = runs_spool or Spool(spool.path.with_name(RUNS_SPOOL_NAME), RUNS)
        self._runs_spool = runs_spool
        self._runs = SpooledWriter(
            runs_spool, self._write_runs, self._where, name="hausgeist-automation-runs"
        )
        learning_spool = learning_spool or Spool(
            spool.path.with_name(LEARNING_SPOOL_NAME), LEARNING
        )
        self._learning = SpooledWriter(
            learning_spool,
            lambda events: self._insert(lambda c: insert_learning(c, events)),
            self._where,
            name="hausgeist-learning",
        )

    @classmethod
    def open(cls, url: str | None, data_dir: Path) -> Self:
        """Open (and migrate) the database; write what a previous run left in the spool.

        ``url`` is any SQLAlchemy URL; None means SQLite at ``<data_dir>/history.db``.
        A database that cannot be reached now is migrated once it can. Raises HistoryError
        for a URL that cannot be used, a data directory that cannot be written, or a
        migration that fails.
        """
        spool = Spool(data_dir / SPOOL_NAME, ENTRIES)
        runs_spool = Spool(data_dir / RUNS_SPOOL_NAME, RUNS)
        learning_spool = Spool(data_dir / LEARNING_SPOOL_NAME, LEARNING)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            backlog = spool.load()
            runs_backlog = runs_spool.load()
            learning_backlog = learning_spool.load()
        except OSError as exc:
            raise HistoryError(
                f"cannot use {data_dir} for the history spool: {exc}; "
                "make the data directory writable or choose another one"
            ) from exc
        engine = make_engine(url or default_url(data_dir))
        history = cls(engine, spool, runs_spool, learning_spool)
        try:
            history._ensure_schema()
        except OperationalError as exc:  # locked or down: the writer retries with the records
            logger.debug("history database %s not migrated yet: %s", history._where, exc)
        history._writer.start(backlog)
        history._runs.start(runs_backlog)
        history._learning.start(learning_backlog)
        return history

    @property
    def pending_count(self) -> int:
        """Records not yet in the database (they are in the spool)."""
        return self._writer.pending_count

    def record(self, entry: HistoryEntry) -> None:
        """Keep the entry: spooled at once, written to the database soon. Never raises."""
        try:
            self._writer.submit(entry)
        except Exception:  # a history failure must never stop a command
            logger.exception("cannot record request %s", entry.request_id)

    def record_run(self, run: AutomationRun) -> None:
        """Keep an automation's run, like :meth:`record`: spooled now, written soon."""
        self.record_runs([run])

    def record_runs(self, runs: Sequence[AutomationRun]) -> None:
        """Keep several runs with one spool write. Never raises."""
        try:
            self._runs.submit_many(runs)
        except Exception:  # a history failure must never stop the rules
            logger.exception("cannot record %d automation runs", len(runs))

    def record_learning(self, events: Sequence[LearningEvent]) -> None:
        """Keep learning events, like :meth:`record`: spooled now, written soon. Never raises."""
        try:
            self._learning.submit_many(events)
        except Exception:  # a history failure must never stop a command
            logger.exception("cannot record %d learning events", len(events))

    def learning_events(self, home: str | None = None) -> list[LearningEvent]:
        """Every learning event (``home``'s and those of no home), in the order kept: those
        in the database, then those still spooled.

        Raises HistoryError when the database cannot be read."""
        stored = self._read(lambda c: select_learning(c, home))
        known = {e.event_id for e in stored}
        waiting = [
            e
            for e in self._learning.waiting()
            if e.event_id not in known and (home is None or e.home in {home, None})
        ]
        return [*stored, *waiting]

    def entry(self, request_id: str) -> HistoryEntry | None:
        """The entry of request ``request_id`` (spooled or stored); None when there is none.

        Raises HistoryError when the database cannot be read."""
        for entry in reversed(self._writer.waiting()):
            if entry.request_id == request_id:
                return entry
        return self._read(lambda c: select_entry(c, request_id))

    def all_entries(self, home: str | None = None) -> list[HistoryEntry]:
        """Every entry, oldest first, the spooled ones included.

        Raises HistoryError when the database cannot be read."""
        stored = self._read(lambda c: select_all(c, home))
        merged = {e.key: e for e in stored}
        for entry in self._writer.waiting():
            if home is None or entry.home in {home, None}:
                merged.setdefault(entry.key, entry)
        return sorted(merged.values(), key=lambda e: e.time)

    def delete(self, before: datetime | None, home: str | None = None) -> dict[str, int]:
        """Delete what is older than ``before`` (None: everything); how many of each kind.

        What still waits in the spools is written first, so nothing deleted comes back.
        Raises HistoryError when the database cannot be written."""
        if self.flush(10.0):
            raise HistoryError(
                f"records still wait for {self._where}; nothing was deleted, try again "
                "when the database can be written"
            )
        try:
            self._ensure_schema()
            with self._engine.begin() as connection:
                return delete_before(connection, before, home)
        except SQLAlchemyError as exc:
            raise HistoryError(f"the history {self._where} refused: {_reason(exc)}") from exc

    def runs(
        self, limit: int = 20, automation: str | None = None, home: str | None = None
    ) -> list[AutomationRun]:
        """The newest ``limit`` runs (newest first), including those still spooled; only
        ``automation``'s and ``home``'s (and those of no known home) when given.

        Raises HistoryError when the database cannot be read."""
        waiting = [
            r
            for r in self._runs.waiting()
            if (automation is None or r.automation == automation)
            and (home is None or r.home in {home, None})
        ]
        stored = self._read(lambda c: select_runs(c, limit, automation, home))
        merged = {run.key: run for run in [*stored, *waiting]}
        return sorted(merged.values(), key=lambda run: run.started, reverse=True)[:limit]

    def last_runs(self, home: str | None = None) -> dict[str, tuple[AutomationRun, int]]:
        """Each automation's newest run and its number of runs (those in the database).

        Raises HistoryError when the database cannot be read."""
        found = self._read(lambda c: last_runs(c, home))
        for run in self._runs.waiting():
            if home is not None and run.home not in {home, None}:
                continue
            newest, count = found.get(run.automation, (run, 0))
            found[run.automation] = (max(newest, run, key=lambda r: r.started), count + 1)
        return found

    def _read(self, query: Callable[[Connection], T]) -> T:
        try:
            self._ensure_schema()
            with self._engine.connect() as connection:
                return query(connection)
        except SQLAlchemyError as exc:
            raise HistoryError(
                f"cannot read the history database {self._where}: {_reason(exc)}"
            ) from exc

    def recent(
        self, limit: int = 20, session: str | None = None, home: str | None = None
    ) -> list[HistoryEntry]:
        """The newest ``limit`` entries (newest first), including those still spooled; only
        ``session``'s, and only ``home``'s (and those of no known home), when given.

        Raises HistoryError when the database cannot be read.
        """
        waiting = [
            e
            for e in self._writer.waiting()
            if (session is None or e.session == session)
            and (home is None or e.home in {home, None})
        ]
        try:
            self._ensure_schema()
            with self._engine.connect() as connection:
                stored = select_recent(connection, limit, session, home)
        except SQLAlchemyError as exc:
            raise HistoryError(
                f"cannot read the history database {self._where}: {_reason(exc)}"
            ) from exc
        merged = {entry.key: entry for entry in [*stored, *waiting]}
        newest = sorted(merged.values(), key=lambda entry: entry.time, reverse=True)
        return newest[:limit]

    def flush(self, timeout: float) -> int:
        """Write what waits; return how many records still wait (0: all in the database).

        Returns early when the database fails again; the records stay spooled.
        """
        return (
            self._writer.flush(timeout) + self._runs.flush(timeout) + self._learning.flush(timeout)
        )

    def close(self, timeout: float = 2.0) -> None:
        """Flush (for at most ``timeout`` seconds), stop the writer, release the database."""
        left = self.flush(timeout)
        self._writer.stop(timeout)
        self._runs.stop(timeout)
        self._learning.stop(timeout)
        self._engine.dispose()
        if left:
            logger.warning(
                "%d history records wait in %s; they are written on the next start",
                left,
                self._spool.path,
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _ensure_schema(self) -> None:
        with self._schema_lock:
            if self._migrated:
                return
            try:
                with self._engine.begin() as connection:
                    schema.upgrade(connection)
            except OperationalError:
                raise
            except Exception as exc:
                raise HistoryError(
                    f"cannot migrate the history database {self._where}: {exc}"
                ) from exc
            self._migrated = True

    def _write_runs(self, runs: Sequence[AutomationRun]) -> None:
        self._insert(lambda connection: insert_runs(connection, runs))

    def _write(self, entries: Sequence[HistoryEntry]) -> None:
        self._insert(lambda connection: insert_new(connection, entries))

    def _insert(self, write: Callable[[Connection], None]) -> None:
        """One transaction; HistoryError with the driver's reason when it fails."""
        try:
            self._ensure_schema()
            with self._engine.begin() as connection:
                write(connection)
        except SQLAlchemyError as exc:
            raise HistoryError(_reason(exc)) from exc


def _reason(exc: SQLAlchemyError) -> str:
    """The first line of the driver's message, without SQLAlchemy's decoration."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
