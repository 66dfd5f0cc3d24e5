"""Idioms: a household's own words for an action on a room ("snug up the lounge": the
lounge's lights to 30%), said again in any room.

A request the core did not understand, corrected by what it meant ("I meant set the lounge
lights to 30%"), becomes an idiom when what it meant is one of the public :data:`ACTIONS` on
one room (its lights on, off, to a brightness, warm or cool; its fans on or off; its blinds
open or closed; its temperature) and the action's own words, said for that room, make the
core do exactly that. The idiom's key is its words less stop words, with the room's name,
where it was named, taken out as a slot: said again naming any room (or, without a slot, in
any room), the request is said again as the action's own words for that room, which the core
reads; its policy, its questions and its replies apply as to anything else said.

The actions and their words are the same in every home, so an idiom can be shared with other
homes as its words and the action's name alone (see :mod:`hausgeist.federation.patterns`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Area
from hausgeist.devices.state import StateStore
from hausgeist.understanding import Request, Understanding
from hausgeist.understanding.index import Kind, NameIndex
from hausgeist.understanding.text import tokenize
from hausgeist.understanding.vocabulary import STOP_WORDS

MAX_WORDS = 4
"""An idiom has at most this many words besides its stop words and its room."""


@dataclass(frozen=True)
class Action:
    """An action on a room, in words every home's core reads."""

    name: str
    """``light.brightness 30``, ``fan.off``."""
    service: str
    says: str
    """The request it stands for, with ``{area}`` for the room's name."""


def _actions() -> dict[str, Action]:
    found = [
        Action("light.on", "light.turn_on", "turn on the lights in the {area}"),
        Action("light.off", "light.turn_off", "turn off the lights in the {area}"),
        Action("light.warm", "light.turn_on", "make the lights in the {area} warm"),
        Action("light.cool", "light.turn_on", "make the lights in the {area} cool"),
        *(
            Action(
                f"light.brightness {n}", "light.turn_on", f"set the lights in the {{area}} to {n}%"
            )
            for n in range(10, 101, 10)
        ),
        Action("fan.on", "fan.turn_on", "turn on the fans in the {area}"),
        Action("fan.off", "fan.turn_off", "turn off the fans in the {area}"),
        Action("cover.open", "cover.open_cover", "open the blinds in the {area}"),
        Action("cover.close", "cover.close_cover", "close the blinds in the {area}"),
        *(
            Action(
                f"climate.temperature {t}",
                "climate.set_temperature",
                f"set the temperature in the {{area}} to {t} degrees",
            )
            for t in range(16, 27)
        ),
    ]
    return {a.name: a for a in found}


ACTIONS: dict[str, Action] = _actions()
"""Every action an idiom may stand for (public: the same list in every home)."""


@dataclass(frozen=True)
class Idiom:
    """Words of a household for an action on a room."""

    words: tuple[str, ...]
    """Its words, less stop words and the room's name (``snug``, ``up``)."""
    slot: bool
    """Said naming the room (True), or in it (False)."""
    action: str
    """The name of its :class:`Action`."""

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def says(self, area: Area) -> str:
        """What the idiom asks for in ``area``, in the core's words."""
        return ACTIONS[self.action].says.format(area=area.name)

    def data(self) -> dict[str, Any]:
        return {"words": list(self.words), "slot": self.slot, "action": self.action}

    @classmethod
    def of(cls, data: Any) -> Idiom | None:
        """The idiom of a learning event's data (None: not one this version reads)."""
        if not isinstance(data, dict):
            return None
        said, slot, action = data.get("words"), data.get("slot"), data.get("action")
        if not isinstance(said, list) or not all(isinstance(w, str) and w for w in said):
            return None
        if not said or len(said) > MAX_WORDS or not isinstance(slot, bool):
            return None
        if action not in ACTIONS:
            return None
        return cls(tuple(said), slot, str(action))


@dataclass(frozen=True)
class Key:
    """A request's words as an idiom reads them."""

    words: tuple[str, ...]
    area: str | None
    """The room named (then ``slot``), else None."""

    @property
    def slot(self) -> bool:
        return self.area is not None


def key_of(text: str, index: NameIndex) -> Key | None:
    """The key of ``text``: its words less stop words and the one room it names. None when
    it names a device, several rooms or a floor, or has no word or too many left."""
    tokens = [t for t in tokenize(text) if t != ","]
    area: str | None = None
    span: tuple[int, int] | None = None
    for match in index.find(tokens):
        kinds = {e.kind for e in match.entries}
        if Kind.DEVICE in kinds or Kind.FLOOR in kinds:
            return None
        if Kind.AREA not in kinds:
            continue
        if match.fuzzy or area is not None:
            return None
        areas = {e.ref for e in match.entries if e.kind is Kind.AREA}
        if len(areas) != 1:
            return None
        area, span = next(iter(areas)), (match.start, match.end)
    kept = [
        t
        for i, t in enumerate(tokens)
        if (span is None or not span[0] <= i < span[1]) and t not in STOP_WORDS and t[:1].isalnum()
    ]
    if not kept or len(kept) > MAX_WORDS:
        return None
    return Key(tuple(kept), area)


def idiom_of(
    request: Request,
    calls: Sequence[ServiceCall],
    understanding: Understanding,
    states: StateStore,
) -> Idiom | None:
    """The idiom ``request`` is, when ``calls`` (what a person said it meant) are one of the
    :data:`ACTIONS` on the room it named or was said in, exactly as the core does it."""
    if not calls:
        return None
    key = key_of(request.text, understanding.index)
    if key is None:
        return None
    area_id = key.area if key.slot else request.area
    area = understanding.registry.areas.get(area_id) if area_id is not None else None
    if area is None:
        return None
    meant = {_call(c) for c in calls}
    for action in ACTIONS.values():
        if action.service != calls[0].service:
            continue
        decision, _ = understanding.decide(
            Request(action.says.format(area=area.name), None), states
        )
        done = {_call(c) for c in (*decision.actions, *decision.pending)}
        if done == meant:
            return Idiom(key.words, key.slot, action.name)
    return None


def _call(call: ServiceCall) -> tuple[str, str, str]:
    return call.entity_id, call.service, json.dumps(call.data, sort_keys=True, default=str)
