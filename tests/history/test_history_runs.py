"""Automation runs in the history database (issue 15, "seeing what ran"): written like the
requests (spool first, the database soon, nothing lost while it is down), read back newest
first, by rule and by home, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from hausgeist.history import SqlHistory
from hausgeist.history.runs import AutomationRun
from hausgeist.history.schema import alembic_config

T0 = datetime(2026, 1, 10, 17, 0, tzinfo=UTC)
Opener = Callable[[str | None], SqlHistory]


@pytest.fixture
def make_run() -> Callable[..., AutomationRun]:
    counter = itertools.count()

    def make(**fields: Any) -> AutomationRun:
        n = next(counter)
        values: dict[str, Any] = {
            "run_id": uuid.uuid4().hex,
            "automation": "hall_motion",
            "alias": "Hall light on motion",
            "started": T0 + timedelta(minutes=n),
            "finished": T0 + timedelta(minutes=n, seconds=120),
            "result": "finished",
            "trigger": {"platform": "state", "entity_id": "binary_sensor.motion", "to_state": "on"},
            "conditions": [{"index": 0, "condition": "state", "result": True}],
            "steps": [
                {"at": "2026-01-10T18:00:05+01:00", "step": "call", "service": "light.turn_on"}
            ],
        }
        values.update(fields)
        return AutomationRun(**values)

    return make


def test_runs_are_read_back_newest_first_by_rule_and_home(
    backend: Any, open_history: Opener, make_run: Callable[..., AutomationRun]
) -> None:
    history = open_history(backend.url)
    first = make_run(home="cottage")
    other = make_run(automation="porch", alias="Porch", home="cottage", result="error", error="x")
    elsewhere = make_run(home="flat")
    last = make_run(home="cottage", finished=None, result="cancelled")
    for run in (first, other, elsewhere, last):
        history.record_run(run)
    assert history.flush(10) == 0
    assert [r.run_id for r in history.runs()] == [
        last.run_id,
        elsewhere.run_id,
        other.run_id,
        first.run_id,
    ]
    got = history.runs(automation="hall_motion", home="cottage")
    assert [r.run_id for r in got] == [last.run_id, first.run_id]
    assert got[1] == first  # every field, the JSON ones and the times included
    assert got[0].finished is None
    newest = history.last_runs(home="cottage")
    assert {k: (r.run_id, n) for k, (r, n) in newest.items()} == {
        "hall_motion": (last.run_id, 2),
        "porch": (other.run_id, 1),
    }


def test_a_run_recorded_twice_is_one_row(
    backend: Any, open_history: Opener, make_run: Callable[..., AutomationRun]
) -> None:
    history = open_history(backend.url)
    run = make_run()
    history.record_run(run)
    history.record_run(run)
    assert history.flush(10) == 0
    assert len(history.runs()) == 1


def test_runs_not_yet_written_are_listed_and_survive_a_crash(
    open_history: Opener, make_run: Callable[..., AutomationRun], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True)
    spool = data_dir / "automation-runs-spool.jsonl"
    run = make_run()
    spool.write_text(json.dumps(run.to_dict()) + "\n{broken\n")
    history = open_history(None)  # a run a crashed process left in the spool
    assert history.flush(10) == 0
    assert [r.run_id for r in history.runs()] == [run.run_id]
    assert spool.read_text() == ""


def test_odd_values_in_a_trace_are_stored(
    backend: Any, open_history: Opener, make_run: Callable[..., AutomationRun]
) -> None:
    history = open_history(backend.url)
    run = make_run(
        error="bad \x00 byte",
        steps=[{"step": "publish", "payload": "\ud800 lone", "value": float("nan")}],
    )
    history.record_run(run)
    assert history.flush(10) == 0
    [stored] = history.runs()
    assert stored.error == "bad \ufffd byte"
    assert stored.steps[0]["value"] is None


def test_the_runs_table_comes_and_goes_with_its_revision(
    backend: Any, open_history: Opener, make_run: Callable[..., AutomationRun]
) -> None:
    history = open_history(backend.url)
    history.record_run(make_run())
    assert history.flush(10) == 0
    engine = sa.create_engine(backend.direct_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0002")
        assert "automation_runs" not in sa.inspect(connection).get_table_names()
        command.upgrade(alembic_config(connection), "head")
        assert "automation_runs" in sa.inspect(connection).get_table_names()
    engine.dispose()
