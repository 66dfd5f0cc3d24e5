"""Triggers, matched as Home Assistant matches them (its ``triggers/*.py``): which state
changes and MQTT messages fire a trigger, and when a time-based one fires next."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hausgeist.automations.conditions import in_range, numeric_value
from hausgeist.automations.durations import parse_duration, parse_time_of_day
from hausgeist.automations.world import World
from hausgeist.devices.state import EntityState

MAX_JSON_DEPTH = 64


@dataclass(frozen=True)
class Change:
    """One entity's state change."""

    entity_id: str
    old: EntityState
    new: EntityState


def _ids(trigger: Mapping[str, Any]) -> list[str]:
    value = trigger.get("entity_id")
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _listed(value: Any) -> list[str]:
    return [_text(v) for v in (value if isinstance(value, list) else [value])]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return "unknown" if value is None else str(value)


def _value(state: EntityState, attribute: str | None) -> Any:
    return state.attributes.get(attribute) if attribute else state.state


def state_matches(trigger: Mapping[str, Any], change: Change) -> bool:
    """Whether ``change`` fires a state trigger (before any ``for``)."""
    if change.entity_id not in _ids(trigger):
        return False
    attribute = trigger.get("attribute")
    old, new = _value(change.old, attribute), _value(change.new, attribute)
    keys = ("from", "to", "not_from", "not_to")
    if any(k in trigger for k in keys):
        if old == new:
            return False  # only attributes changed: no state trigger with from/to fires
    elif old == new and change.old.attributes == change.new.attributes:
        return False
    if (
        "from" in trigger
        and trigger["from"] is not None
        and _text(old) not in _listed(trigger["from"])
    ):
        return False
    if "to" in trigger and trigger["to"] is not None and _text(new) not in _listed(trigger["to"]):
        return False
    if "not_from" in trigger and _text(old) in _listed(trigger["not_from"]):
        return False
    return not ("not_to" in trigger and _text(new) in _listed(trigger["not_to"]))


def still_holds(
    trigger: Mapping[str, Any], world: World, entity_id: str, first: EntityState
) -> bool:
    """For a pending ``for:``: whether the entity still is as when the trigger fired."""
    now = world.states.get(entity_id)
    attribute = trigger.get("attribute")
    if trigger["trigger"] == "numeric_state":
        return in_range(numeric_value(trigger, world, entity_id, {}), trigger, world)
    return bool(_value(now, attribute) == _value(first, attribute))


def numeric_crossed(
    trigger: Mapping[str, Any], world: World, change: Change, before: float | None
) -> bool:
    """A numeric_state trigger fires when the value goes from outside the range to inside."""
    if change.entity_id not in _ids(trigger):
        return False
    now = numeric_value(trigger, world, change.entity_id, {})
    was_in = before is not None and in_range(before, trigger, world)
    return in_range(now, trigger, world) and not was_in


def variables_for_state(trigger: Mapping[str, Any], change: Change, index: int) -> dict[str, Any]:
    return {
        "platform": trigger["trigger"],
        "id": str(trigger.get("id", index)),
        "idx": str(index),
        "entity_id": change.entity_id,
        "from_state": _state_object(change.entity_id, change.old),
        "to_state": _state_object(change.entity_id, change.new),
        "for": trigger.get("for"),
    }


def _state_object(entity_id: str, state: EntityState) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "state": _text(state.state),
        "attributes": dict(state.attributes),
    }


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT wildcard match: ``+`` one level, ``#`` the rest."""
    want, got = pattern.split("/"), topic.split("/")
    for i, part in enumerate(want):
        if part == "#":
            return True
        if i >= len(got) or (part != "+" and part != got[i]):
            return False
    return len(want) == len(got)


def mqtt_matches(
    trigger: Mapping[str, Any], world: World, topic: str, payload: bytes, index: int
) -> dict[str, Any] | None:
    """The trigger variables when the message fires the trigger, else None. A payload that
    cannot be decoded or read fires nothing (and breaks nothing)."""
    if not topic_matches(trigger["topic"], topic):
        return None
    encoding = trigger.get("encoding", "utf-8")
    if encoding:
        try:
            text: Any = payload.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            return None
    else:
        text = payload
    variables: dict[str, Any] = {
        "platform": "mqtt",
        "id": str(trigger.get("id", index)),
        "idx": str(index),
        "topic": topic,
        "payload": text,
        "qos": trigger.get("qos", 0),
    }
    parsed = _json(text) if isinstance(text, str) else None
    if parsed is not None:
        variables["payload_json"] = parsed
    if "value_template" in trigger:
        value = world.templates.render_text(
            trigger["value_template"], {"value": text, "value_json": parsed, "trigger": variables}
        )
    else:
        value = text
    if "payload" in trigger and str(value) != str(trigger["payload"]):
        return None
    return variables


def _json(text: str) -> Any:
    if len(text) > 256 * 1024 or text[:1] not in {"{", "["}:
        return None
    depth = 0
    for ch in text:  # refuse pathological nesting before the parser recurses into it
        depth += ch in "[{"
        depth -= ch in "]}"
        if depth > MAX_JSON_DEPTH:
            return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def next_time(trigger: Mapping[str, Any], world: World, after: datetime) -> datetime | None:
    """When a time, time_pattern or sun trigger fires next, strictly after ``after``."""
    kind = trigger["trigger"]
    local = after.astimezone(world.zone)
    if kind == "time":
        ats = trigger["at"] if isinstance(trigger["at"], list) else [trigger["at"]]
        found = [_next_clock(parse_time_of_day(a), local) for a in ats]
        return min(found)
    if kind == "sun":
        offset = parse_duration(trigger.get("offset", 0))
        if not world.sun.known:
            return None
        return world.sun.next_event(trigger["event"], after, offset)
    if kind == "time_pattern":
        return _next_pattern(trigger, local)
    return None


def _next_clock(at: Any, local: datetime) -> datetime:
    day = local.date()
    for offset in range(3):
        candidate = datetime.combine(day + timedelta(days=offset), at, tzinfo=local.tzinfo)
        candidate = candidate.astimezone(local.tzinfo)
        if candidate > local:
            return candidate
    return candidate


def _field(value: Any, limit: int) -> list[int]:
    text = str(value).strip()
    if text == "*":
        return list(range(limit))
    if text.startswith("/"):
        return list(range(0, limit, int(text[1:])))
    return [int(text)]


def _next_pattern(trigger: Mapping[str, Any], local: datetime) -> datetime | None:
    hours = trigger.get("hours")
    minutes = trigger.get("minutes")
    seconds = trigger.get("seconds")
    if minutes is None and hours is not None:
        minutes = 0  # larger units given: the smaller ones default to zero, as in HA
    if seconds is None and minutes is not None:
        seconds = 0
    hs = _field("*" if hours is None else hours, 24)
    ms = _field("*" if minutes is None else minutes, 60)
    ss = _field("*" if seconds is None else seconds, 60)
    start = local.replace(microsecond=0) + timedelta(seconds=1)
    for day in range(2):
        base = start.date() + timedelta(days=day)
        for h in hs:
            if day == 0 and h < start.hour:
                continue
            for m in ms:
                if day == 0 and h == start.hour and m < start.minute:
                    continue
                for s in ss:
                    candidate = datetime(
                        base.year, base.month, base.day, h, m, s, tzinfo=local.tzinfo
                    )
                    if candidate >= start:
                        return candidate
    return None
