"""SqlHistory on a real SQLite file and a real PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hausgeist.errors import HistoryError
from hausgeist.history import HistoryEntry, SqlHistory

EntryFactory = Callable[..., HistoryEntry]
Opener = Callable[[str | None], SqlHistory]


def test_every_field_survives_the_database(
    backend: Any, open_history: Opener, make_entry: EntryFactory
) -> None:
    full = make_entry(
        text="Mach das Licht in der Küche aus 💡",
        channel="mqtt",
        status="confirm",
        source="policy",
        reply="Really unlock the front door?",
        actions=[
            {
                "service": "light.turn_on",
                "entity_id": "light.hall",
                "data": {"brightness_pct": 40, "rgb_color": [255, 0, 0]},
            }
        ],
        pending=[{"service": "lock.unlock", "entity_id": "lock.front", "data": {}}],
        latency_ms=123.456,
        area="kitchen",
        device="satellite.kitchen",
        session="conversation-1",
        confidence=0.875,
    )
    bare = make_entry(actions=[], area=None, device=None, session=None, confidence=None)
    history = open_history(backend.url)
    history.record(full)
    history.record(bare)
    assert history.flush(10) == 0
    assert history.pending_count == 0

    reopened = open_history(backend.url)
    assert reopened.recent() == [bare, full]
    assert all(entry.time.tzinfo is UTC for entry in reopened.recent())


def test_time_in_another_zone_comes_back_as_the_same_instant_in_utc(
    backend: Any, open_history: Opener, make_entry: EntryFactory
) -> None:
    history = open_history(backend.url)
    summer = timezone(timedelta(hours=2))
    entry = make_entry(time=datetime(2025, 6, 1, 9, 30, 0, 250, tzinfo=summer))
    history.record(entry)
    history.flush(10)
    [stored] = open_history(backend.url).recent()
    assert stored.time == datetime(2025, 6, 1, 7, 30, 0, 250, tzinfo=UTC)


def test_recent_is_newest_first_and_limited(
    backend: Any, open_history: Opener, make_entry: EntryFactory
) -> None:
    history = open_history(backend.url)
    entries = [make_entry() for _ in range(5)]
    for entry in entries:
        history.record(entry)
    assert history.flush(10) == 0
    assert history.recent(limit=3) == entries[::-1][:3]
    assert history.recent() == entries[::-1]


def test_recent_filters_by_session(
    backend: Any, open_history: Opener, make_entry: EntryFactory
) -> None:
    history = open_history(backend.url)
    ours = [make_entry(session="a"), make_entry(session="a")]
    for entry in [ours[0], make_entry(session="b"), make_entry(), ours[1]]:
        history.record(entry)
    history.flush(10)
    assert history.recent(session="a") == ours[::-1]


def test_recent_filters_by_home_keeping_rows_of_no_known_home(
    backend: Any, open_history: Opener, make_entry: EntryFactory
) -> None:
    history = open_history(backend.url)
    old, cottage, flat = make_entry(), make_entry(home="cottage"), make_entry(home="flat")
    for entry in (old, cottage, flat):
        history.record(entry)
    history.flush(10)
    waiting = make_entry(home="flat")
    history.close()  # the next one waits in the spool of a closed store
    reopened = open_history(backend.url)
    reopened.record(waiting)
    assert reopened.recent(home="cottage") == [cottage, old]
    assert reopened.recent(home="flat")[:2] == [waiting, flat]
    assert [e.home for e in reopened.recent()] == ["flat", "flat", "cottage", None]


def test_the_same_request_recorded_twice_is_one_row(
    backend: Any, open_history: Opener, make_entry: EntryFactory
) -> None:
    history = open_history(backend.url)
    entry = make_entry()
    history.record(entry)
    history.record(entry)
    assert history.flush(10) == 0
    history.record(entry)
    assert history.flush(10) == 0
    assert backend.request_ids() == [entry.request_id]


def test_values_postgresql_cannot_store_do_not_block_the_queue(
    backend: Any, open_history: Opener, make_entry: EntryFactory
) -> None:
    history = open_history(backend.url)
    odd = make_entry(
        text="nul\x00byte",
        latency_ms=float("nan"),
        actions=[{"service": "x.y", "data": {"v": float("inf")}}],
    )
    after = make_entry()
    history.record(odd)
    history.record(after)
    assert history.flush(10) == 0
    stored = {entry.request_id: entry for entry in history.recent()}
    assert stored[odd.request_id].text == "nul\ufffdbyte"
    assert stored[odd.request_id].latency_ms == 0.0
    assert stored[odd.request_id].actions == [{"service": "x.y", "data": {"v": None}}]
    assert after.request_id in stored


def test_record_after_close_is_kept_for_the_next_run(
    data_dir: Path, make_entry: EntryFactory
) -> None:
    history = SqlHistory.open(None, data_dir)
    history.close()
    late = make_entry()
    history.record(late)
    with SqlHistory.open(None, data_dir) as reopened:
        assert reopened.flush(10) == 0
        assert reopened.recent() == [late]


def test_an_unwritable_data_directory_is_a_history_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(HistoryError, match="data directory"):
        SqlHistory.open(None, tmp_path / "file" / "data")


def test_an_unusable_url_is_a_history_error(data_dir: Path) -> None:
    with pytest.raises(HistoryError, match="cannot be used"):
        SqlHistory.open("nosuchdatabase://somewhere/db", data_dir)
