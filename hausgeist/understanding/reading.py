"""The values a reading of words is made of: the action, the rule that read it, the intent.

The rules themselves are a table of :class:`IntentRule` descriptors in
:mod:`hausgeist.understanding.rules`; :mod:`hausgeist.understanding.intents` applies them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """An action independent of the domain it will land on."""

    ON = "on"
    OFF = "off"
    TOGGLE = "toggle"
    OPEN = "open"
    CLOSE = "close"
    STOP = "stop"
    LOCK = "lock"
    UNLOCK = "unlock"
    SET_PCT = "set_pct"
    SET_NUMBER = "set_number"
    SET_TEMP = "set_temp"
    STEP_UP = "step_up"
    STEP_DOWN = "step_down"
    BRIGHT_UP = "bright_up"
    BRIGHT_DOWN = "bright_down"
    TEMP_UP = "temp_up"
    TEMP_DOWN = "temp_down"
    COLOR = "color"
    COLOR_TEMP = "color_temp"
    HVAC_MODE = "hvac_mode"
    PLAY = "play"
    PAUSE = "pause"
    NEXT = "next"
    PREVIOUS = "previous"
    VOLUME_SET = "volume_set"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    MUTE = "mute"
    UNMUTE = "unmute"
    START = "start"
    RETURN = "return"
    LOCATE = "locate"
    FAN_UP = "fan_up"
    FAN_DOWN = "fan_down"
    OSCILLATE = "oscillate"
    ACTIVATE = "activate"
    ADD_ITEM = "add_item"
    REMOVE_ITEM = "remove_item"
    SET_MODE = "set_mode"
    ARM = "arm"
    DISARM = "disarm"
    PRESS = "press"


ValueReader = Callable[[re.Match[str], list[str]], Any]
"""Reads a rule's value from its match and the clause's words (see
:mod:`hausgeist.understanding.values`)."""


def no_value(_match: re.Match[str], _tokens: list[str]) -> None:
    """The value of a rule that carries none ("turn on", "mute")."""


@dataclass(frozen=True)
class IntentRule:
    """One word rule: what it matches, the action it means and what that implies."""

    name: str
    """For the trace (``action: on (rule on)``) and the tests; never compared by code."""
    pattern: re.Pattern[str] | None
    """Matched against the clause's words joined by spaces; None for a reading the words do
    not make (a scene said by name alone)."""
    action: Action
    domains: frozenset[str] | None = None
    """When set, only devices of these domains fit."""
    value_reader: ValueReader = no_value
    """Reads the value (a percentage, a colour, a mode, a list item) from the match."""
    indirect: bool = False
    """An indirect wish ("it's too dark in here"): the whole idiom is consumed."""
    not_in_names: bool = False
    """The rule's own words are its value ("green", "cool", "half"): a match among the words
    of a name ("Green Bedroom", "Cool Box") is no reading."""
    whole_sentence: bool = False
    """The rule reads the whole request, commas and "and" included ("add bread, milk and eggs
    to the list"): it is never split into clauses."""
    entrances_only: bool = False
    """On a cover, only a door or gate fits ("let me in"), not the blinds."""
    shopping: bool = False
    """The words are a shopping idiom ("we need bread", "we're out of coffee"): of several
    to-do lists, the one for shopping (by its name or alias) is meant."""
    named_only: bool = False
    """The rule reads only where a device of its domains is named, by its name or a word of
    its kind ("the air con fan to high"); else the next reading is tried ("the fan to high"
    is the fan's own speed)."""

    def matches(self, text: str) -> Iterator[re.Match[str]]:
        """Every match of the rule in ``text``, in order; none for a rule without a pattern."""
        return self.pattern.finditer(text) if self.pattern is not None else iter(())


@dataclass
class Intent:
    """An action found in one clause."""

    action: Action
    value: Any = None
    consumed: set[int] = field(default_factory=set)
    """Token positions the rule used."""
    domains: frozenset[str] | None = None
    """When set, only devices of these domains fit (indirect wishes)."""
    rule: IntentRule | None = None
    """Which rule matched (None for an intent made by hand), for the trace and for what the
    rule implies (its flags)."""
    indirect: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    """More service data from the same words (a brightness said with a colour)."""
    words: list[str] = field(default_factory=list)
    """The clause's words."""
