"""A database that is locked, down or never reached loses no record and stops no command."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hausgeist.history import HistoryEntry, SqlHistory

EntryFactory = Callable[..., HistoryEntry]
Opener = Callable[[str | None], SqlHistory]
LOGGER = "hausgeist.history"


def warnings_of(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LOGGER and r.levelno == logging.WARNING and text in r.getMessage()
    ]


@pytest.mark.postgres
def test_postgresql_down_mid_run_loses_nothing(
    postgres_url: str,
    tcp_proxy: Any,
    open_history: Opener,
    make_entry: EntryFactory,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    proxied = sa.make_url(postgres_url).set(host="127.0.0.1", port=tcp_proxy.port)
    history = open_history(proxied.render_as_string(hide_password=False))
    before = [make_entry() for _ in range(3)]
    for entry in before:
        history.record(entry)
    assert history.flush(10) == 0

    tcp_proxy.stop()
    during = [make_entry() for _ in range(4)]
    for entry in during:
        history.record(entry)  # returns at once and raises nothing
    assert history.flush(10) == 4
    later = make_entry()
    history.record(later)
    assert history.flush(10) == 5
    [down] = warnings_of(caplog, "unreachable")
    assert str(data_dir / "history-spool.jsonl") in down
    assert len(during) + 1 == len((data_dir / "history-spool.jsonl").read_text().splitlines())

    tcp_proxy.start()
    assert history.flush(10) == 0
    assert len(warnings_of(caplog, "reachable again")) == 1
    assert len(warnings_of(caplog, "unreachable")) == 1
    written = [e.request_id for e in [*before, *during, later]]
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        stored = list(connection.scalars(sa.text("SELECT request_id FROM requests ORDER BY id")))
    engine.dispose()
    assert stored == written
    assert (data_dir / "history-spool.jsonl").read_text() == ""


def test_sqlite_locked_by_another_connection_loses_nothing(
    open_history: Opener,
    make_entry: EntryFactory,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    history = open_history(None)
    locker = sqlite3.connect(data_dir / "history.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    entries = [make_entry() for _ in range(3)]
    for entry in entries:
        history.record(entry)
    assert history.flush(10) == 3
    assert history.recent() == entries[::-1]  # spooled entries are shown already
    [locked] = warnings_of(caplog, "unreachable")
    assert "database is locked" in locked

    locker.execute("COMMIT")
    locker.close()
    assert history.flush(10) == 0
    assert len(warnings_of(caplog, "reachable again")) == 1
    rows = sqlite3.connect(data_dir / "history.db").execute("SELECT request_id FROM requests")
    assert sorted(row[0] for row in rows) == sorted(e.request_id for e in entries)


def test_sqlite_locked_before_the_first_open_is_migrated_later(
    open_history: Opener,
    make_entry: EntryFactory,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir.mkdir()
    locker = sqlite3.connect(data_dir / "history.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    locker.execute("CREATE TABLE unrelated (x)")
    history = open_history(None)  # cannot even read: the migration waits
    entry = make_entry()
    history.record(entry)
    assert history.flush(10) == 1
    assert len(warnings_of(caplog, "unreachable")) == 1

    locker.execute("COMMIT")
    locker.close()
    assert history.flush(10) == 0
    assert history.recent() == [entry]


CRASHING_RUN = textwrap.dedent("""
    import os, sys
    from datetime import datetime, UTC
    from pathlib import Path
    from hausgeist.history import HistoryEntry, SqlHistory

    data_dir, unreachable = Path(sys.argv[1]), sys.argv[2]
    history = SqlHistory.open(unreachable, data_dir)
    for n in range(3):
        history.record(HistoryEntry(
            request_id=f"crashed-{n}", time=datetime(2025, 1, 1, 8, n, tzinfo=UTC),
            text="lights out", channel="mqtt", status="done", source="core", reply="ok",
            actions=[{"service": "light.turn_off", "entity_id": "light.hall", "data": {}}],
            pending=[], latency_ms=1.0))
    os._exit(0)  # a crash: no close, no flush
""")


def test_records_of_a_crashed_run_are_written_on_the_next_open(
    backend: Any,
    open_history: Opener,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    unreachable = f"sqlite:///{tmp_path / 'missing' / 'history.db'}"  # its folder never exists
    subprocess.run(
        [sys.executable, "-c", CRASHING_RUN, str(data_dir), unreachable],
        check=True,
        cwd=Path(__file__).parents[2],
    )
    spooled = (data_dir / "history-spool.jsonl").read_text().splitlines()
    assert [json.loads(line)["request_id"] for line in spooled] == [
        "crashed-0",
        "crashed-1",
        "crashed-2",
    ]

    history = open_history(backend.url)
    assert history.flush(10) == 0
    assert backend.request_ids() == ["crashed-0", "crashed-1", "crashed-2"]
    assert (data_dir / "history-spool.jsonl").read_text() == ""


def test_a_spooled_record_already_written_is_not_written_twice(
    backend: Any,
    open_history: Opener,
    make_entry: EntryFactory,
    data_dir: Path,
) -> None:
    entries = [make_entry(), make_entry()]
    first = open_history(backend.url)
    for entry in entries:
        first.record(entry)
    spooled = (data_dir / "history-spool.jsonl").read_text()
    assert first.flush(10) == 0
    first.close()
    # A crash between commit and trim leaves committed records in the spool.
    (data_dir / "history-spool.jsonl").write_text(spooled)

    second = open_history(backend.url)
    assert second.flush(10) == 0
    assert backend.request_ids() == [e.request_id for e in entries]


def test_a_line_cut_short_by_a_crash_is_skipped(
    open_history: Opener,
    make_entry: EntryFactory,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = make_entry()
    data_dir.mkdir()
    line = json.dumps(good.to_dict())
    (data_dir / "history-spool.jsonl").write_text(f"{line}\n{line[:25]}")
    history = open_history(None)
    history.record(after := make_entry())
    assert history.flush(10) == 0
    assert history.recent() == [after, good]
    assert len(warnings_of(caplog, "damaged")) == 1
    assert (data_dir / "history-spool.jsonl").read_text() == ""
