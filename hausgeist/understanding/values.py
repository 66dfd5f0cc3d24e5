"""Value readers of the intent rules: the number, colour, mode or list item a match says.

Each is a :data:`~hausgeist.understanding.reading.ValueReader`: the rule's match and the
clause's words in, the intent's value out. The rules in
:mod:`hausgeist.understanding.rules` name theirs."""

from __future__ import annotations

import re
from typing import Any

from hausgeist.understanding.modes import PART_WORDS, PartMode
from hausgeist.understanding.reading import ValueReader
from hausgeist.understanding.vocabulary import COLOR_TEMPS, COLORS

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DEGREES = re.compile(r"(\d+(?:\.\d+)?) degree")
_FAN_WORDS = {
    "low": 33,
    "medium": 67,
    "mid": 67,
    "high": 100,
    "max": 100,
    "maximum": 100,
    "full": 100,
}
_HVAC_MODES = re.compile(r"heat cool|fan only|heating|cooling|automatic|heat|cool|auto|dry|off")
_HVAC = {
    "heating": "heat",
    "cooling": "cool",
    "automatic": "auto",
    "heat cool": "heat_cool",
    "fan only": "fan_only",
}
_OSCILLATE_OFF = frozenset({"stop", "off", "no", "disable"})

ARM_WORDS = frozenset(
    {"home", "stay", "staying", "night", "sleep", "bedtime", "vacation", "holiday", "away"}
)
"""Words that say which arm mode: consumed with the arm rule's own."""


def constant(value: Any) -> ValueReader:
    """The same value whatever was said: "full brightness" is 100, "heat the hall" heat."""

    def read(_match: re.Match[str], _tokens: list[str]) -> Any:
        return value

    return read


def number(match: re.Match[str], _tokens: list[str]) -> float | None:
    """The number in the match ("50%", "to 21"); None when it has none."""
    found = _NUMBER.search(match.group(0))
    return float(found.group(0)) if found is not None else None


def degrees_by(match: re.Match[str], _tokens: list[str]) -> float:
    """The degrees of "up by 2 degrees"; one for "a degree" or "one degree"."""
    found = _DEGREES.search(match.group(0))
    return float(found.group(1)) if found else 1.0


def degrees_more(match: re.Match[str], _tokens: list[str]) -> float:
    """The number of "2 more degrees" or "heating up 2"; one for "a" or "one"."""
    found = _NUMBER.search(match.group(0))
    return float(found.group(0)) if found else 1.0


def kelvin(match: re.Match[str], _tokens: list[str]) -> int:
    """A colour temperature said in kelvin ("2700 k")."""
    return round(float(_NUMBER.findall(match.group(0))[0]))


def fan_speed(match: re.Match[str], _tokens: list[str]) -> float:
    """A fan speed said as a word ("on low"), as a percentage."""
    return float(next(v for k, v in _FAN_WORDS.items() if k in match.group(0).split()))


def item(match: re.Match[str], _tokens: list[str]) -> str:
    """The list item of a to-do rule ("add milk to the list": "milk")."""
    groups = match.groupdict()
    return (groups.get("item") or groups.get("item2") or "").strip()


def mode(match: re.Match[str], _tokens: list[str]) -> str:
    """The mode named at the end ("set the fan to breeze": "breeze")."""
    return match.group("mode").strip()


def part_mode(match: re.Match[str], _tokens: list[str]) -> PartMode:
    """The mode of a part ("the air con fan to high": the fan's "high")."""
    return PartMode(PART_WORDS[match.group("part")], match.group("mode").strip())


def part_switch(match: re.Match[str], tokens: list[str]) -> PartMode:
    """A part switched on or off ("turn off the swing", "stop the louvres")."""
    off = "off" in tokens or tokens[0] == "stop"
    return PartMode(PART_WORDS[match.group("part")], "off" if off else "on")


def color(match: re.Match[str], _tokens: list[str]) -> list[int]:
    """The RGB colour named."""
    return list(COLORS[match.group("color")])


def color_temp(match: re.Match[str], _tokens: list[str]) -> int:
    """The colour temperature (kelvin) of a white named ("warm white", "cool")."""
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    phrase = groups.get("ct") or groups.get("ct2") or "warm"
    return COLOR_TEMPS.get(tuple(phrase.split()), 2700)


def hvac_mode(match: re.Match[str], _tokens: list[str]) -> str:
    """The HVAC mode named ("cooling": "cool"); auto when none is."""
    found = _HVAC_MODES.search(match.group(0))
    said = found.group(0) if found else "auto"
    return _HVAC.get(said, said)


def arm(_match: re.Match[str], tokens: list[str]) -> str:
    """The arm service the clause's words ask for (:func:`arm_mode`)."""
    return arm_mode(tokens)


def oscillate(_match: re.Match[str], tokens: list[str]) -> bool:
    """Oscillation on, unless the words say stop, off, no or disable."""
    return not any(t in _OSCILLATE_OFF for t in tokens)


def arm_mode(tokens: list[str]) -> str:
    """Which arm service the words ask for: night, home (staying in) or away."""
    words = set(tokens)
    if "away" in words or {"leaving", "out"} & words:
        return "alarm_arm_away"
    if "night" in words:
        return "alarm_arm_night"
    if words & {"home", "stay", "staying", "bed", "sleep", "bedtime"}:
        return "alarm_arm_home"
    if {"vacation", "holiday"} & words and "mode" in words:
        return "alarm_arm_vacation"
    return "alarm_arm_away"
