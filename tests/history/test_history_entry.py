"""HistoryEntry: a frozen value that validates its time and survives JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hausgeist.history import HistoryEntry

EntryFactory = Callable[..., HistoryEntry]


def test_naive_time_is_refused(make_entry: EntryFactory) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_entry(time=datetime(2025, 3, 1, 12, 0))  # noqa: DTZ001


def test_time_is_normalised_to_utc(make_entry: EntryFactory) -> None:
    berlin = timezone(timedelta(hours=1))
    entry = make_entry(time=datetime(2025, 3, 1, 13, 0, tzinfo=berlin))
    assert entry.time == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert entry.time.tzinfo is UTC


def test_dict_round_trip_keeps_every_field(make_entry: EntryFactory) -> None:
    entry = make_entry(area="kitchen", device="satellite.kitchen", session="s1", confidence=0.9)
    assert HistoryEntry.from_dict(entry.to_dict()) == entry


def test_from_dict_refuses_what_is_no_entry() -> None:
    with pytest.raises(ValueError, match="not a history entry"):
        HistoryEntry.from_dict({"time": "2025-03-01T12:00:00+00:00", "text": "hi"})


def test_key_is_request_id_and_time(make_entry: EntryFactory) -> None:
    entry = make_entry(request_id="abc")
    assert entry.key == ("abc", entry.time)
