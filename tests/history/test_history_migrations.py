"""The Alembic revisions shipped in the package: run on open, in step with the model."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hausgeist.history import SqlHistory
from hausgeist.history.schema import head_revision
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
    assert head_revision() == "0001"
