"""The parts of a rule said as times: "every weekday at 7", "30 minutes before sunset",
"every 15 minutes", "when hausgeist starts" (triggers), and "after sunset", "at night",
"between 23:00 and 6:00", "on weekends", "in the morning" (conditions). Each finder marks
the tokens it read as used, so what is left is the device trigger and the action."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hausgeist.automations.words.entities import WordsError
from hausgeist.automations.words.times import clock_at, days_at, duration_at, hhmmss

_SUNSET = frozenset({"sunset", "dusk", "sundown", "nightfall"})
_SUNRISE = frozenset({"sunrise", "dawn", "daybreak"})
_STARTS = (
    ("when", "hausgeist", "starts"),
    ("when", "hausgeist", "start"),
    ("when", "the", "agent", "starts"),
    ("when", "home", "assistant", "starts"),
    ("on", "startup"),
    ("at", "startup"),
)
_NIGHT = (
    ("between", "sunset", "and", "sunrise"),
    ("when", "it", "is", "dark"),
    ("after", "dark"),
    ("at", "night"),
    ("in", "the", "dark"),
    ("during", "the", "night"),
)
_DAY = (("during", "the", "day"), ("between", "sunrise", "and", "sunset"), ("in", "daylight"))
_SUN_EVENTS = (
    (("when", "the", "sun", "goes", "down"), "sunset"),
    (("when", "the", "sun", "sets"), "sunset"),
    (("as", "the", "sun", "sets"), "sunset"),
    (("when", "the", "sun", "comes", "up"), "sunrise"),
    (("when", "the", "sun", "rises"), "sunrise"),
)
_QUALIFIERS = {
    ("every", "day"): "",
    ("each", "day"): "",
    ("daily",): "",
    ("every", "morning"): "am",
    ("each", "morning"): "am",
    ("every", "evening"): "pm",
    ("each", "evening"): "pm",
    ("every", "night"): "pm",
    ("each", "night"): "pm",
    ("nightly",): "pm",
}


@dataclass
class Schedule:
    """Triggers and conditions read from time words, and the tokens they used."""

    tokens: list[str]
    used: list[bool] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.used = [False] * len(self.tokens)

    def take(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.used[i] = True

    def at(self, phrase: tuple[str, ...]) -> list[int]:
        """Positions where ``phrase`` starts among unused tokens."""
        n = len(phrase)
        return [
            i
            for i in range(len(self.tokens) - n + 1)
            if tuple(self.tokens[i : i + n]) == phrase and not any(self.used[i : i + n])
        ]

    def left(self) -> list[str]:
        """The unused tokens, a "," where used ones were taken out."""
        out: list[str] = []
        for token, used in zip(self.tokens, self.used, strict=True):
            if not used:
                out.append(token)
            elif out and out[-1] != ",":
                out.append(",")
        return out


def read_schedule(tokens: list[str]) -> Schedule:
    """Every time phrase in ``tokens``; WordsError for a time that is none ("25 o'clock")."""
    found = Schedule(list(tokens))
    _starts(found)
    _patterns(found)
    _sun_triggers(found)
    shift = _qualifier(found)
    _clock_triggers(found, shift)
    _sun_conditions(found)
    _clock_conditions(found)
    _days(found)
    return found


def _starts(found: Schedule) -> None:
    for phrase in _STARTS:
        for i in found.at(phrase):
            found.take(i, i + len(phrase))
            found.triggers.append({"trigger": "homeassistant", "event": "start"})


def _patterns(found: Schedule) -> None:
    tokens = found.tokens
    for i in found.at(("every",)):
        rest = tokens[i + 1 : i + 2]
        if rest in (["hour"], ["minute"]):
            seconds, end = (3600 if rest == ["hour"] else 60), i + 2
        elif (length := duration_at(tokens, i + 1)) is not None:
            seconds, end = int(length.value), length.end
        else:
            continue
        found.take(i, end)
        if seconds % 3600 == 0:
            found.triggers.append({"trigger": "time_pattern", "hours": f"/{seconds // 3600}"})
        elif seconds % 60 == 0:
            found.triggers.append({"trigger": "time_pattern", "minutes": f"/{seconds // 60}"})
        else:
            found.triggers.append({"trigger": "time_pattern", "seconds": f"/{seconds}"})


def _sun_word(word: str) -> str | None:
    return "sunset" if word in _SUNSET else "sunrise" if word in _SUNRISE else None


def _sun_triggers(found: Schedule) -> None:
    tokens = found.tokens
    for i in range(len(tokens)):
        length = None if found.used[i] else duration_at(tokens, i)
        if length is None or length.end + 1 >= len(tokens) + 1:
            continue
        way = tokens[length.end : length.end + 1]
        event = _sun_word(tokens[length.end + 1]) if length.end + 1 < len(tokens) else None
        if way in (["before"], ["after"]) and event is not None:
            sign = "-" if way == ["before"] else ""
            found.take(i, length.end + 2)
            offset = f"{sign}{hhmmss(int(length.value))}"
            found.triggers.append({"trigger": "sun", "event": event, "offset": offset})
    for phrase, event in _SUN_EVENTS:
        for i in found.at(phrase):
            found.take(i, i + len(phrase))
            found.triggers.append({"trigger": "sun", "event": event})
    for i in found.at(("at",)):
        event = _sun_word(tokens[i + 1]) if i + 1 < len(tokens) else None
        if event is not None and not found.used[i + 1]:
            found.take(i, i + 2)
            found.triggers.append({"trigger": "sun", "event": event})


def _qualifier(found: Schedule) -> str:
    shift = ""
    for phrase, said in _QUALIFIERS.items():
        for i in found.at(phrase):
            found.take(i, i + len(phrase))
            shift = shift or said
    return shift


def _clock(value: tuple[int, int], shift: str) -> str:
    hour, minute = value
    if shift == "pm" and 4 < hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WordsError(f"{hour}:{minute:02d} is not a time of day.")
    return f"{hour:02d}:{minute:02d}:00"


def _clock_triggers(found: Schedule, shift: str) -> None:
    tokens = found.tokens
    for i in found.at(("at",)):
        clock = clock_at(tokens, i + 1)
        if clock is None or any(found.used[i : clock.end]):
            continue
        found.take(i, clock.end)
        found.triggers.append({"trigger": "time", "at": _clock(clock.value, shift)})


def _sun_conditions(found: Schedule) -> None:
    for phrase in _NIGHT:
        for i in found.at(phrase):
            found.take(i, i + len(phrase))
            found.conditions.append(
                {
                    "condition": "or",
                    "conditions": [
                        {"condition": "sun", "after": "sunset"},
                        {"condition": "sun", "before": "sunrise"},
                    ],
                }
            )
    for phrase in _DAY:
        for i in found.at(phrase):
            found.take(i, i + len(phrase))
            found.conditions.append({"condition": "sun", "after": "sunrise", "before": "sunset"})
    tokens = found.tokens
    for way in ("after", "before"):
        for i in found.at((way,)):
            event = _sun_word(tokens[i + 1]) if i + 1 < len(tokens) else None
            if event is not None and not found.used[i + 1]:
                found.take(i, i + 2)
                found.conditions.append({"condition": "sun", way: event})


def _clock_conditions(found: Schedule) -> None:
    tokens = found.tokens
    for i in found.at(("between",)):
        if tokens[i - 1 : i] in (["is"], ["are"]):
            continue  # "is between 20 and 22": a reading, not a time
        first = clock_at(tokens, i + 1)
        if first is None or tokens[first.end : first.end + 1] != ["and"]:
            continue
        second = clock_at(tokens, first.end + 1)
        if second is None:
            continue
        found.take(i, second.end)
        found.conditions.append(
            {
                "condition": "time",
                "after": _clock(first.value, ""),
                "before": _clock(second.value, ""),
            }
        )
    for way in ("after", "before"):
        for i in found.at((way,)):
            clock = clock_at(tokens, i + 1)
            if clock is None or any(found.used[i : clock.end]):
                continue
            start = i - 2 if tokens[max(0, i - 2) : i] == ["but", "only"] else i
            start = i - 1 if start == i and tokens[i - 1 : i] == ["only"] else start
            found.take(start, clock.end)
            found.conditions.append({"condition": "time", way: _clock(clock.value, "")})
    for phrase, after, before in (
        (("in", "the", "morning"), "05:00:00", "12:00:00"),
        (("in", "the", "evening"), "17:00:00", None),
        (("in", "the", "afternoon"), "12:00:00", "17:00:00"),
    ):
        for i in found.at(phrase):
            found.take(i, i + len(phrase))
            window = {"condition": "time", "after": after}
            if before is not None:
                window["before"] = before
            found.conditions.append(window)


def _days(found: Schedule) -> None:
    tokens = found.tokens
    days: list[str] = []
    for i in range(len(tokens)):
        said = None if found.used[i] else days_at(tokens, i)
        if said is None:
            continue
        start = i
        if start > 0 and tokens[start - 1] == "a":
            start -= 1
        if start > 0 and tokens[start - 1] in {"on", "every", "each", "at"}:
            start -= 1
        found.take(start, said.end)
        days.extend(d for d in said.value if d not in days)
    if days:
        found.conditions.append({"condition": "time", "weekday": days})
