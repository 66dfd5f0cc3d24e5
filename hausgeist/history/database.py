"""Engines and the two statements the history needs: insert new entries, read recent ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    Engine,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    make_url,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from hausgeist.errors import HistoryError
from hausgeist.history.entry import HistoryEntry
from hausgeist.history.learned import LearningEvent
from hausgeist.history.runs import AutomationRun
from hausgeist.history.tables import (
    AutomationRunRow,
    LearningEventRow,
    RequestRow,
    entry_from_row,
    learning_from_row,
    learning_values,
    row_values,
    run_from_row,
    run_values,
)

SQLITE_BUSY_TIMEOUT_S = 1.0
"""How long SQLite waits on a lock before the write is retried later."""
POSTGRES_CONNECT_TIMEOUT_S = 5
"""How long a connection attempt to PostgreSQL may take."""


def default_url(data_dir: Path) -> URL:
    """SQLite at ``<data_dir>/history.db``."""
    return URL.create("sqlite", database=str(data_dir / "history.db"))


def make_engine(url: str | URL) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL mode on every connection."""
    try:
        parsed = make_url(url)
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
        elif parsed.get_backend_name() == "postgresql":
            connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        shown = url.render_as_string(hide_password=True) if isinstance(url, URL) else url
        raise HistoryError(
            f"history database URL {shown!r} cannot be used: {exc}; give a SQLAlchemy URL such"
            " as sqlite:////data/history.db or postgresql+psycopg://user@host/db"
            " (PostgreSQL needs the psycopg package: pip install 'hausgeist[postgres]')"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; commits stay cheap
    finally:
        cursor.close()


def insert_new(connection: Connection, entries: Sequence[HistoryEntry]) -> None:
    """Insert the entries whose request id and time are not in the table yet."""
    rows = [row_values(entry) for entry in entries]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(RequestRow).on_conflict_do_nothing(), rows)
    elif connection.dialect.name == "sqlite":
        connection.execute(sqlite.insert(RequestRow).on_conflict_do_nothing(), rows)
    else:  # other backends: look before inserting, one row at a time
        for row in rows:
            found = select(
                exists().where(
                    RequestRow.request_id == row["request_id"], RequestRow.time == row["time"]
                )
            )
            if not connection.scalar(found):
                connection.execute(insert(RequestRow), row)


def select_recent(
    connection: Connection, limit: int, session: str | None, home: str | None = None
) -> list[HistoryEntry]:
    """The newest ``limit`` entries, newest first; only ``session``'s when given, only
    ``home``'s (and those of no known home, recorded before homes were) when given."""
    table = RequestRow.__table__
    query = select(table).order_by(RequestRow.time.desc(), RequestRow.id.desc()).limit(limit)
    if session is not None:
        query = query.where(RequestRow.session == session)
    if home is not None:
        query = query.where(or_(RequestRow.home == home, RequestRow.home.is_(None)))
    rows = connection.execute(query).mappings()
    return [entry_from_row(row) for row in rows]


def insert_runs(connection: Connection, runs: Sequence[AutomationRun]) -> None:
    """Insert the runs whose run id is not in the table yet."""
    rows = [run_values(run) for run in runs]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(AutomationRunRow).on_conflict_do_nothing(), rows)
    elif connection.dialect.name == "sqlite":
        connection.execute(sqlite.insert(AutomationRunRow).on_conflict_do_nothing(), rows)
    else:
        for row in rows:
            found = select(exists().where(AutomationRunRow.run_id == row["run_id"]))
            if not connection.scalar(found):
                connection.execute(insert(AutomationRunRow), row)


def select_runs(
    connection: Connection, limit: int, automation: str | None = None, home: str | None = None
) -> list[AutomationRun]:
    """The newest ``limit`` runs (newest first), only ``automation``'s and ``home``'s (and
    those of no known home) when given."""
    table = AutomationRunRow.__table__
    query = (
        select(table)
        .order_by(AutomationRunRow.started.desc(), AutomationRunRow.id.desc())
        .limit(limit)
    )
    if automation is not None:
        query = query.where(AutomationRunRow.automation == automation)
    if home is not None:
        query = query.where(or_(AutomationRunRow.home == home, AutomationRunRow.home.is_(None)))
    return [run_from_row(row) for row in connection.execute(query).mappings()]


def last_runs(
    connection: Connection, home: str | None = None
) -> dict[str, tuple[AutomationRun, int]]:
    """Each automation's newest run and how many runs it has."""
    counts = select(AutomationRunRow.automation, func.count()).group_by(AutomationRunRow.automation)
    if home is not None:
        counts = counts.where(or_(AutomationRunRow.home == home, AutomationRunRow.home.is_(None)))
    found: dict[str, tuple[AutomationRun, int]] = {}
    for automation, count in connection.execute(counts):
        [newest] = select_runs(connection, 1, automation, home)
        found[automation] = (newest, count)
    return found


def insert_learning(connection: Connection, events: Sequence[LearningEvent]) -> None:
    """Insert the learning events whose id is not in the table yet, in their order."""
    rows = [learning_values(e) for e in events]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(LearningEventRow).on_conflict_do_nothing(), rows)
    elif connection.dialect.name == "sqlite":
        connection.execute(sqlite.insert(LearningEventRow).on_conflict_do_nothing(), rows)
    else:
        for row in rows:
            found = select(exists().where(LearningEventRow.event_id == row["event_id"]))
            if not connection.scalar(found):
                connection.execute(insert(LearningEventRow), row)


def select_learning(connection: Connection, home: str | None) -> list[LearningEvent]:
    """Every learning event in the order kept; only ``home``'s (and those of no home)."""
    query = select(LearningEventRow.__table__).order_by(LearningEventRow.id)
    if home is not None:
        query = query.where(or_(LearningEventRow.home == home, LearningEventRow.home.is_(None)))
    return [learning_from_row(row) for row in connection.execute(query).mappings()]


def select_entry(connection: Connection, request_id: str) -> HistoryEntry | None:
    """The newest entry kept under ``request_id``."""
    query = (
        select(RequestRow.__table__)
        .where(RequestRow.request_id == request_id)
        .order_by(RequestRow.time.desc())
        .limit(1)
    )
    row = connection.execute(query).mappings().first()
    return None if row is None else entry_from_row(row)


def select_all(connection: Connection, home: str | None) -> list[HistoryEntry]:
    """Every entry, oldest first (``hausgeist history export``)."""
    query = select(RequestRow.__table__).order_by(RequestRow.time, RequestRow.id)
    if home is not None:
        query = query.where(or_(RequestRow.home == home, RequestRow.home.is_(None)))
    return [entry_from_row(row) for row in connection.execute(query).mappings()]


def delete_before(connection: Connection, before: Any | None, home: str | None) -> dict[str, int]:
    """Delete requests, automation runs and learning events older than ``before`` (None:
    all of them), only ``home``'s (and those of no home) when given; how many of each."""
    counts: dict[str, int] = {}
    for name, table, column in (
        ("requests", RequestRow, RequestRow.time),
        ("automation runs", AutomationRunRow, AutomationRunRow.started),
        ("learning events", LearningEventRow, LearningEventRow.time),
    ):
        statement = delete(table)
        if before is not None:
            statement = statement.where(column < before)
        if home is not None:
            statement = statement.where(or_(table.home == home, table.home.is_(None)))
        counts[name] = connection.execute(statement).rowcount
    return counts
