"""Times of day, durations, weekdays and sun events said in words, read from the tokens of
``understanding.text.tokenize`` (numbers as digits; a clock time "7:30" protected as
``t0730`` before tokenizing, see :func:`protect_clock_times`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CLOCK = re.compile(r"\b(\d{1,2})[:.](\d{2})\b")
_AMPM = re.compile(r"\b(\d{1,2})(am|pm)\b")
_UNITS_S = {
    **dict.fromkeys(("second", "seconds", "sec", "secs"), 1),
    **dict.fromkeys(("minute", "minutes", "min", "mins"), 60),
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), 3600),
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {
    **{d: (d[:3],) for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    **{d: (d[:3],) for d in ("saturday", "sunday")},
    **{f"{d}s": (d[:3],) for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    **{f"{d}s": (d[:3],) for d in ("saturday", "sunday")},
    "weekday": WEEKDAYS[:5],
    "weekdays": WEEKDAYS[:5],
    "weekend": WEEKDAYS[5:],
    "weekends": WEEKDAYS[5:],
}


def protect_clock_times(text: str) -> str:
    """``7:30`` -> ``t0730`` and ``8pm`` -> ``8 pm``, so tokenizing keeps them whole."""
    text = _CLOCK.sub(lambda m: f"t{int(m.group(1)):02d}{m.group(2)}", text)
    return _AMPM.sub(r"\1 \2", text)


@dataclass(frozen=True)
class Found:
    """Something read from the words, and where: ``start``..``end`` token positions."""

    start: int
    end: int
    value: Any


def duration_at(tokens: list[str], i: int) -> Found | None:
    """A duration starting at ``i``: "5 minutes", "an hour", "half an hour", "90 seconds",
    "an hour and a half", "25% of an hour" (a quarter); its value in seconds."""
    rest = tokens[i:]
    if rest[:3] == ["half", "an", "hour"] or rest[:3] == ["half", "a", "hour"]:
        return Found(i, i + 3, 1800)
    if rest[:4] == ["25%", "of", "an", "hour"]:
        return Found(i, i + 4, 900)
    if len(rest) < 2:
        return None
    amount: float | None
    if rest[0] in {"a", "an", "one"}:
        amount = 1
    else:
        try:
            amount = float(rest[0])
        except ValueError:
            return None
    unit = _UNITS_S.get(rest[1])
    if unit is None or amount <= 0:
        return None
    seconds = amount * unit
    end = i + 2
    if rest[2:5] == ["and", "a", "half"]:
        seconds += unit / 2
        end += 3
    return Found(i, end, int(seconds))


def find_duration(tokens: list[str], after: str) -> Found | None:
    """The duration said after the word ``after`` ("for 5 minutes"), first one."""
    for i, word in enumerate(tokens[:-1]):
        if word == after and (found := duration_at(tokens, i + 1)) is not None:
            return Found(i, found.end, found.value)
    return None


def hhmmss(seconds: int) -> str:
    """``300`` -> ``"00:05:00"`` (Home Assistant's duration format)."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def clock_at(tokens: list[str], i: int) -> Found | None:
    """A time of day starting at ``i``: "7", "7 am", "10 pm", "t0730", "9 oclock",
    "half past 7", "noon", "midnight", with "in the morning/evening", "at night" after it;
    its value ``(hour, minute)`` (hour may be out of range: the caller refuses it)."""
    start = _clock_start(tokens[i:])
    if start is None:
        return None
    hour, minute, used = start
    end = i + used
    tail = tokens[end:]
    if tail[:1] and (
        tail[0] in {"degrees", "degree", "%", "percent", "c", "kelvin", "k"} or tail[0] in _UNITS_S
    ):
        return None  # "at 21 degrees", "after 30 minutes": a value or a duration, not a time
    if tail[:1] == ["oclock"]:
        end += 1
    hour, used = _part_of_day(hour, tokens[end:])
    return Found(i, end + used, (hour, minute))


def _clock_start(rest: list[str]) -> tuple[int, int, int] | None:
    """Hour, minute and words used of a time's first words."""
    if not rest:
        return None
    if rest[0] in {"noon", "midday"}:
        return 12, 0, 1
    if rest[0] == "midnight":
        return 0, 0, 1
    if rest[:2] == ["half", "past"] and len(rest) > 2 and rest[2].isdigit():
        return int(rest[2]), 30, 3
    if re.fullmatch(r"t\d{4}", rest[0]):
        return int(rest[0][1:3]), int(rest[0][3:5]), 1
    if rest[0].isdigit() and len(rest[0]) <= 2:
        if len(rest) > 1 and rest[1].isdigit() and len(rest[1]) == 2:
            return int(rest[0]), int(rest[1]), 2
        return int(rest[0]), 0, 1
    return None


def _part_of_day(hour: int, tail: list[str]) -> tuple[int, int]:
    """The hour with "am", "pm", "in the evening", "at night" after it, and words used."""
    if tail[:1] == ["am"]:
        return (0 if hour == 12 else hour), 1
    if tail[:1] == ["pm"]:
        return (hour if hour == 12 else hour + 12), 1
    if tail[:3] in (["in", "the", "evening"], ["in", "the", "afternoon"]):
        return (hour + 12 if hour < 12 else hour), 3
    if tail[:2] == ["at", "night"]:
        return (hour + 12 if hour < 12 else hour), 2
    if tail[:3] == ["in", "the", "morning"]:
        return hour, 3
    return hour, 0


def days_at(tokens: list[str], i: int) -> Found | None:
    """Weekdays said at ``i``: "weekdays", "saturdays", "weekends"; a tuple of HA names."""
    if i < len(tokens) and tokens[i] in _DAY_WORDS:
        return Found(i, i + 1, _DAY_WORDS[tokens[i]])
    return None
