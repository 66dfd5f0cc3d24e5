"""The SQLAlchemy model of the history database: ``requests``, ``automation_runs`` and
``learning_events``.

Alembic revisions in ``migrations/versions`` create what this module describes; a test
compares the two, so change both together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hausgeist.history.entry import HistoryEntry
from hausgeist.history.learned import LearningEvent
from hausgeist.history.runs import AutomationRun

JsonList = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite (text), JSONB on PostgreSQL."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of the history tables."""


class RequestRow(Base):
    """One row per handled request; columns mirror `HistoryEntry`."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("request_id", "time", name="uq_requests_request_id_time"),
        Index("ix_requests_time", "time"),
        Index("ix_requests_session_time", "session", "time"),
        Index("ix_requests_home_time", "home", "time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(String)
    reply: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JsonList)
    pending: Mapped[list[dict[str, Any]]] = mapped_column(JsonList)
    latency_ms: Mapped[float] = mapped_column(Float)
    area: Mapped[str | None] = mapped_column(Text)
    device: Mapped[str | None] = mapped_column(Text)
    session: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    home: Mapped[str | None] = mapped_column(Text)


class AutomationRunRow(Base):
    """One row per ended run of an automation; columns mirror `AutomationRun`."""

    __tablename__ = "automation_runs"
    __table_args__ = (
        UniqueConstraint("run_id", name="uq_automation_runs_run_id"),
        Index("ix_automation_runs_automation_started", "automation", "started"),
        Index("ix_automation_runs_started", "started"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String)
    automation: Mapped[str] = mapped_column(String)
    alias: Mapped[str] = mapped_column(Text)
    started: Mapped[datetime] = mapped_column(UtcDateTime())
    finished: Mapped[datetime | None] = mapped_column(UtcDateTime())
    result: Mapped[str] = mapped_column(String)
    error: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[dict[str, Any]] = mapped_column(JsonList)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JsonList)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JsonList)
    dropped_steps: Mapped[int] = mapped_column(Integer)
    home: Mapped[str | None] = mapped_column(Text)


class LearningEventRow(Base):
    """One row per learning event, in the order kept; columns mirror `LearningEvent`."""

    __tablename__ = "learning_events"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_learning_events_event_id"),
        Index("ix_learning_events_home_id", "home", "id"),
        Index("ix_learning_events_time", "time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JsonList)
    request_id: Mapped[str | None] = mapped_column(Text)
    home: Mapped[str | None] = mapped_column(Text)


LEARNING_COLUMNS = tuple(c.name for c in LearningEventRow.__table__.columns if c.name != "id")


def learning_values(event: LearningEvent) -> dict[str, Any]:
    """The column values of a learning event, cleaned of what a database rejects."""
    return {name: _clean(getattr(event, name)) for name in LEARNING_COLUMNS}


def learning_from_row(row: Mapping[Any, Any]) -> LearningEvent:
    return LearningEvent(**{name: row[name] for name in LEARNING_COLUMNS})


RUN_COLUMNS = tuple(c.name for c in AutomationRunRow.__table__.columns if c.name != "id")


def run_values(run: AutomationRun) -> dict[str, Any]:
    """The column values of a run, cleaned of what a database rejects."""
    return {name: _clean(getattr(run, name)) for name in RUN_COLUMNS}


def run_from_row(row: Mapping[Any, Any]) -> AutomationRun:
    return AutomationRun(**{name: row[name] for name in RUN_COLUMNS})


ENTRY_COLUMNS = tuple(column.name for column in RequestRow.__table__.columns if column.name != "id")
"""The columns that hold an entry's fields (all but the surrogate key)."""


def row_values(entry: HistoryEntry) -> dict[str, Any]:
    """The column values of an entry, for a Core insert, cleaned of what a database rejects."""
    values = {name: _clean(getattr(entry, name)) for name in ENTRY_COLUMNS}
    if values["latency_ms"] is None:  # NaN or infinite: the column may not be NULL
        values["latency_ms"] = 0.0
    return values


def _clean(value: Any) -> Any:
    """Replace what would make a row fail forever: NUL, lone surrogates, NaN, infinity.

    A row the database refuses would block every record queued behind it, so the few
    values PostgreSQL cannot store are replaced here rather than retried.
    """
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {str(_clean(key)): _clean(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | datetime):
        return value
    return _clean(str(value))


def entry_from_row(row: Mapping[Any, Any]) -> HistoryEntry:
    """The entry a row (as a column mapping) holds."""
    return HistoryEntry(**{name: row[name] for name in ENTRY_COLUMNS})
