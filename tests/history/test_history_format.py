"""format_history: the table `hausgeist history` prints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from hausgeist.history import HistoryEntry, format_history, summarise_actions

EntryFactory = Callable[..., HistoryEntry]


def test_no_entries_say_so() -> None:
    assert format_history([]) == "No requests recorded yet."


def test_one_line_per_entry_under_a_header(make_entry: EntryFactory) -> None:
    lines = format_history([make_entry(), make_entry()], tz=UTC).splitlines()
    assert lines[0].split() == ["TIME", "CHANNEL", "STATUS", "SOURCE", "LATENCY", "TEXT", "ACTIONS"]
    assert len(lines) == 3
    assert lines[1].startswith("2025-03-01 12:00:00  cli")
    assert lines[2].startswith("2025-03-01 12:00:01  cli")


def test_homes_add_a_home_column(make_entry: EntryFactory) -> None:
    lines = format_history(
        [make_entry(home="/homes/cottage.yaml"), make_entry()], tz=UTC, homes=True
    ).splitlines()
    assert lines[0].split()[:2] == ["HOME", "TIME"]
    assert lines[1].startswith("/homes/cottage.yaml  2025-03-01 12:00:00  cli")
    assert lines[2].startswith("(unknown)            2025-03-01 12:00:01  cli")


def test_a_row_shows_every_column(make_entry: EntryFactory) -> None:
    entry = make_entry(channel="mqtt", status="done", source="llm", latency_ms=12.34)
    row = format_history([entry], tz=UTC).splitlines()[1]
    for cell in (
        "mqtt",
        "done",
        "llm",
        "12.3 ms",
        "turn off the kitchen light (0)",
        "light.turn_off light.kitchen",
    ):
        assert cell in row


def test_columns_line_up(make_entry: EntryFactory) -> None:
    lines = format_history(
        [make_entry(channel="demo"), make_entry(channel="mqtt")], tz=UTC
    ).splitlines()
    starts = {line.index("turn off") for line in lines[1:]}
    assert starts == {lines[0].index("TEXT")}


def test_actions_are_summarised() -> None:
    calls = [
        {"service": "light.turn_off", "entity_id": "light.kitchen", "data": {}},
        {"service": "light.turn_on", "entity_id": ["light.a", "light.b"], "data": {}},
        {"service": "scene.turn_on", "data": {}},
    ]
    assert summarise_actions(calls) == (
        "light.turn_off light.kitchen, light.turn_on light.a,light.b, scene.turn_on"
    )


def test_pending_actions_are_marked(make_entry: EntryFactory) -> None:
    entry = make_entry(
        status="confirm",
        actions=[],
        pending=[{"service": "lock.unlock", "entity_id": "lock.front"}],
    )
    assert "pending: lock.unlock lock.front" in format_history([entry], tz=UTC)


def test_nothing_done_shows_a_dash(make_entry: EntryFactory) -> None:
    row = format_history([make_entry(actions=[], status="answer")], tz=UTC).splitlines()[1]
    assert row.endswith("-")


def test_long_and_multiline_text_is_cut_to_one_line(make_entry: EntryFactory) -> None:
    entry = make_entry(text="please\nturn " + "very " * 30 + "slowly")
    output = format_history([entry], tz=UTC)
    assert len(output.splitlines()) == 2
    assert "please turn very" in output
    assert "…" in output
    assert "slowly" not in output
