"""Conditions, evaluated as Home Assistant evaluates them (``helpers/condition.py``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from hausgeist.automations.durations import parse_duration, parse_time_of_day
from hausgeist.automations.templates import is_template
from hausgeist.automations.world import World
from hausgeist.devices.state import EntityState


def holds(cond: Any, world: World, variables: Mapping[str, Any]) -> bool:
    """Whether the (checked, long-form) condition holds now."""
    kind = cond["condition"]
    if kind == "and":
        return all(holds(c, world, variables) for c in cond["conditions"])
    if kind == "or":
        return any(holds(c, world, variables) for c in cond["conditions"])
    if kind == "not":
        return not any(holds(c, world, variables) for c in cond["conditions"])
    if kind == "state":
        return _state(cond, world, variables)
    if kind == "numeric_state":
        return _numeric(cond, world, variables)
    if kind == "time":
        return _time(cond, world.local_now())
    if kind == "sun":
        return _sun(cond, world)
    if kind == "template":
        return world.templates.truthy(cond["value_template"], variables)
    if kind == "trigger":
        ids = cond["id"] if isinstance(cond["id"], list) else [cond["id"]]
        trigger = variables.get("trigger") or {}
        return str(trigger.get("id")) in [str(i) for i in ids]
    return False


def _entities(cond: Mapping[str, Any], world: World, variables: Mapping[str, Any]) -> list[str]:
    ids = cond["entity_id"] if isinstance(cond["entity_id"], list) else [cond["entity_id"]]
    return [str(world.templates.render(i, variables)) if is_template(i) else i for i in ids]


def _state(cond: Mapping[str, Any], world: World, variables: Mapping[str, Any]) -> bool:
    wanted = cond["state"] if isinstance(cond["state"], list) else [cond["state"]]
    wanted = [_text(w) for w in wanted]
    held = parse_duration(cond["for"]) if "for" in cond else None
    matches = []
    for entity_id in _entities(cond, world, variables):
        current = world.states.get(entity_id)
        if "attribute" in cond:
            value = _text(current.attributes.get(cond["attribute"]))
        else:
            value = _text(current.state)
        ok = value in wanted
        if ok and held is not None:
            since = world.changed.get(entity_id)
            ok = since is not None and world.now - since >= held
        matches.append(ok)
    match = cond.get("match", "all")
    return any(matches) if match == "any" else all(matches)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "unknown"
    return str(value)


def number_of(value: Any) -> float | None:
    """A state or attribute as a number, or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def bound(value: Any, world: World) -> float | None:
    """``above``/``below``: a number, or an entity whose state is one."""
    if isinstance(value, str) and world.registry.get(value) is not None:
        return number_of(world.states.get(value).state)
    return number_of(value)


def numeric_value(
    spec: Mapping[str, Any],
    world: World,
    entity_id: str,
    variables: Mapping[str, Any],
    state: EntityState | None = None,
) -> float | None:
    """The number a numeric_state trigger or condition compares (of ``state`` when given,
    else of the entity's current state)."""
    current = world.states.get(entity_id) if state is None else state
    raw: Any = current.attributes.get(spec["attribute"]) if "attribute" in spec else current.state
    if "value_template" in spec:
        state_object = {"state": current.state, "attributes": dict(current.attributes)}
        raw = world.templates.render(spec["value_template"], {**variables, "state": state_object})
    return number_of(raw)


def in_range(value: float | None, spec: Mapping[str, Any], world: World) -> bool:
    if value is None:
        return False
    above = bound(spec.get("above"), world) if "above" in spec else None
    below = bound(spec.get("below"), world) if "below" in spec else None
    if "above" in spec and (above is None or not value > above):
        return False
    return not ("below" in spec and (below is None or not value < below))


def _numeric(cond: Mapping[str, Any], world: World, variables: Mapping[str, Any]) -> bool:
    return all(
        in_range(numeric_value(cond, world, e, variables), cond, world)
        for e in _entities(cond, world, variables)
    )


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _time(cond: Mapping[str, Any], now: datetime) -> bool:
    days = cond.get("weekday")
    if days is not None:
        days = days if isinstance(days, list) else [days]
        if _DAYS[now.weekday()] not in days:
            return False
    clock = now.time().replace(tzinfo=None)
    after = parse_time_of_day(cond["after"]) if "after" in cond else None
    before = parse_time_of_day(cond["before"]) if "before" in cond else None
    if after is not None and before is not None and before < after:
        return clock >= after or clock < before  # across midnight
    if after is not None and clock < after:
        return False
    return not (before is not None and clock >= before)


def _sun(cond: Mapping[str, Any], world: World) -> bool:
    now = world.local_now()
    ok = True
    for way in ("after", "before"):
        if way not in cond:
            continue
        event = world.sun.event(cond[way], now.date())
        if event is None:
            return False
        offset = parse_duration(cond.get(f"{way}_offset", 0))
        point = event + offset
        ok = ok and (now >= point if way == "after" else now < point)
    return ok


def since(world: World, entity_id: str) -> timedelta | None:
    changed = world.changed.get(entity_id)
    return None if changed is None else world.now - changed
