"""A plain-text table of history entries, for ``hausgeist history``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from hausgeist.history.entry import HistoryEntry

HEADERS = ("TIME", "CHANNEL", "STATUS", "SOURCE", "LATENCY", "TEXT", "ACTIONS")
TEXT_WIDTH = 40
"""Longer request texts are cut to this many characters."""
UNKNOWN_HOME = "(unknown)"
"""The home of a row recorded before homes were."""


def format_history(
    entries: Sequence[HistoryEntry], tz: tzinfo | None = None, *, homes: bool = False
) -> str:
    """One line per entry, in the order given, under a header; times in ``tz`` (local).

    With ``homes``, a HOME column says which home each entry is from."""
    if not entries:
        return "No requests recorded yet."
    rows = [HEADERS, *(_row(entry, tz) for entry in entries)]
    if homes:
        rows = [
            ("HOME", *rows[0]),
            *(
                (entry.home or UNKNOWN_HOME, *row)
                for entry, row in zip(entries, rows[1:], strict=True)
            ),
        ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def summarise_actions(calls: Sequence[dict[str, Any]]) -> str:
    """Service calls as ``light.turn_off light.kitchen``, comma-separated."""
    return ", ".join(
        f"{call.get('service', '?')} {_entities(call.get('entity_id'))}".strip() for call in calls
    )


def _row(entry: HistoryEntry, tz: tzinfo | None) -> tuple[str, ...]:
    actions = summarise_actions(entry.actions)
    if entry.pending:
        waiting = f"pending: {summarise_actions(entry.pending)}"
        actions = f"{actions}; {waiting}" if actions else waiting
    return (
        entry.time.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        entry.channel,
        entry.status,
        entry.source,
        f"{entry.latency_ms:.1f} ms",
        _shorten(" ".join(entry.text.split()), TEXT_WIDTH),
        actions or "-",
    )


def _entities(entity_id: Any) -> str:
    if isinstance(entity_id, list | tuple):
        return ",".join(str(item) for item in entity_id)
    return "" if entity_id is None else str(entity_id)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
