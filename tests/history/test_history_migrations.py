"""The Alembic revisions shipped in the package: run on open, in step with the model."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hausgeist.history import SqlHistory
from hausgeist.history.schema import alembic_config, head_revision
from hausgeist.history.tables import Base

Opener = Callable[[str | None], SqlHistory]


def test_open_migrates_an_empty_database_to_head(backend: Any, open_history: Opener) -> None:
    open_history(backend.url)
    engine = sa.create_engine(backend.direct_url)
    with engine.connect() as connection:
        assert {"requests", "alembic_version"} <= set(sa.inspect(connection).get_table_names())
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    engine.dispose()


def test_a_second_open_runs_no_migration(
    backend: Any,
    open_history: Opener,
    make_entry: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="alembic")
    first = open_history(backend.url)
    first.record(make_entry())
    first.flush(10)
    assert any("Running upgrade" in r.getMessage() for r in caplog.records)
    caplog.clear()
    second = open_history(backend.url)
    assert not any("Running upgrade" in r.getMessage() for r in caplog.records)
    assert len(second.recent()) == 1


def test_the_model_matches_the_migrations(backend: Any, open_history: Opener) -> None:
    open_history(backend.url)
    engine = sa.create_engine(backend.direct_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_the_migrations_ship_inside_the_package() -> None:
    migrations = files("hausgeist.history.migrations")
    assert migrations.joinpath("env.py").is_file()
    assert migrations.joinpath("script.py.mako").is_file()
    assert migrations.joinpath("versions", "__init__.py").is_file()
    revisions = [p.name for p in migrations.joinpath("versions").iterdir() if p.name[0] == "r"]
    assert revisions
    assert head_revision() == "0004"


def test_rows_of_the_first_revision_keep_an_unknown_home(
    backend: Any, open_history: Opener, make_entry: Callable[..., Any], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(backend.direct_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.exec_driver_sql(
            "INSERT INTO requests (request_id, time, text, channel, status, source, reply,"
            " actions, pending, latency_ms) VALUES ('before', '2025-01-01 10:00:00', 'lights on',"
            " 'cli', 'done', 'core', 'Done.', '[]', '[]', 1.5)"
        )
    history = open_history(backend.url)  # migrates to head
    history.record(make_entry(request_id="after", home="cottage"))
    history.flush(10)
    assert [(e.request_id, e.home) for e in history.recent()] == [
        ("after", "cottage"),
        ("before", None),
    ]
    assert [e.request_id for e in history.recent(home="flat")] == ["before"]
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0001")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("requests")}
        assert "home" not in columns
        assert connection.exec_driver_sql("SELECT count(*) FROM requests").scalar() == 2
    engine.dispose()
