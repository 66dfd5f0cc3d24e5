"""Durations as Home Assistant writes them: ``"00:05:00"``, ``"5:00"``, ``300``,
``{minutes: 5}``; and times of day ``"07:30"`` / ``"07:30:00"``."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any

_UNITS = ("days", "hours", "minutes", "seconds", "milliseconds")


def parse_duration(value: Any) -> timedelta:
    """A duration; ValueError saying what is wrong."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")  # noqa: TRY004 - said to the user like every other bad value
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{value!r} is negative: a duration is at least 0")
        return timedelta(seconds=value)
    if isinstance(value, dict):
        unknown = set(value) - set(_UNITS)
        if unknown or not value:
            raise ValueError(
                f"a duration mapping takes {', '.join(_UNITS)}; got {', '.join(map(str, value)) or 'nothing'}"
            )
        try:
            return timedelta(**{k: float(v) for k, v in value.items()})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a duration: each part must be a number") from exc
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(-)?(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?\s*", value)
        if match:
            sign, hours, minutes, seconds = match.groups()
            delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds or 0))
            return -delta if sign else delta
        if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", value):
            return timedelta(seconds=float(value))
    raise ValueError(f"{value!r} is not a duration: write 'HH:MM:SS', seconds, or {{minutes: 5}}")


def parse_time_of_day(value: Any) -> time:
    """``"07:30"`` or ``"07:30:15"``; ValueError saying what is wrong."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 86400:
        # YAML 1.1 reads an unquoted 07:30 as 450 and 07:30:15 as 27015 (base 60).
        if value < 1440:
            return time(value // 60, value % 60)
        return time(value // 3600, value % 3600 // 60, value % 60)
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", str(value))
    if match:
        hour, minute, second = (int(g or 0) for g in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    raise ValueError(f"{value!r} is not a time of day: write 'HH:MM' or 'HH:MM:SS'")
