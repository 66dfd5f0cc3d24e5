"""`SqlHistory`: the history of handled requests, kept in SQLite or PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from hausgeist.errors import HistoryError
from hausgeist.history import schema
from hausgeist.history.database import default_url, insert_new, make_engine, select_recent
from hausgeist.history.entry import HistoryEntry
from hausgeist.history.spool import Spool
from hausgeist.history.writer import SpooledWriter

logger = logging.getLogger("hausgeist.history")

SPOOL_NAME = "history-spool.jsonl"
"""The spool file in the data directory."""


class SqlHistory:
    """Records every request; `record` never raises and never waits for the database."""

    def __init__(self, engine: Engine, spool: Spool) -> None:
        self._engine = engine
        self._spool = spool
        self._where = engine.url.render_as_string(hide_password=True)
        self._schema_lock = threading.Lock()
        self._migrated = False
        self._writer = SpooledWriter(spool, self._write, self._where)

    @classmethod
    def open(cls, url: str | None, data_dir: Path) -> Self:
        """Open (and migrate) the database; write what a previous run left in the spool.

        ``url`` is any SQLAlchemy URL; None means SQLite at ``<data_dir>/history.db``.
        A database that cannot be reached now is migrated once it can. Raises HistoryError
        for a URL that cannot be used, a data directory that cannot be written, or a
        migration that fails.
        """
        spool = Spool(data_dir / SPOOL_NAME)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            backlog = spool.load()
        except OSError as exc:
            raise HistoryError(
                f"cannot use {data_dir} for the history spool: {exc}; "
                "make the data directory writable or choose another one"
            ) from exc
        history = cls(make_engine(url or default_url(data_dir)), spool)
        try:
            history._ensure_schema()
        except OperationalError as exc:  # locked or down: the writer retries with the records
            logger.debug("history database %s not migrated yet: %s", history._where, exc)
        history._writer.start(backlog)
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
        return self._writer.flush(timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Flush (for at most ``timeout`` seconds), stop the writer, release the database."""
        left = self._writer.flush(timeout)
        self._writer.stop(timeout)
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

    def _write(self, entries: Sequence[HistoryEntry]) -> None:
        try:
            self._ensure_schema()
            with self._engine.begin() as connection:
                insert_new(connection, entries)
        except SQLAlchemyError as exc:
            raise HistoryError(_reason(exc)) from exc


def _reason(exc: SQLAlchemyError) -> str:
    """The first line of the driver's message, without SQLAlchemy's decoration."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
