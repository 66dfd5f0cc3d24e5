"""A rule read back as one plain sentence, from the rule itself (never from the words it was
made of): "When Hallway Motion turns on, after sunset: turn on the Hallway Light, wait 5
minutes, then turn off the Hallway Light." """

from __future__ import annotations

from typing import Any

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.understanding import replies

_DAYS = {
    "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
    "fri": "Friday", "sat": "Saturday", "sun": "Sunday",
}  # fmt: skip


def summarize(rule: dict[str, Any], registry: DeviceRegistry) -> str:
    """The rule as one sentence."""
    name = _namer(registry)
    when = " or ".join(_trigger(t, name) for t in rule["triggers"])
    ifs = [_condition(c, name) for c in rule.get("conditions", [])]
    steps = [_step(s, registry) for s in rule["actions"]]
    if len(steps) > 1:
        steps[-1] = f"then {steps[-1]}"
    condition = f", {' and '.join(ifs)}" if ifs else ""
    return f"{when[0].upper()}{when[1:]}{condition}: {', '.join(steps)}."


def _namer(registry: DeviceRegistry) -> Any:
    def name(entity_id: str) -> str:
        device = registry.get(entity_id)
        return f"the {device.name}" if device is not None else entity_id

    return name


def _duration(text: str) -> str:
    hours, minutes, seconds = (int(p) for p in text.split(":"))
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if n
    ]
    return " ".join(parts) or "0 seconds"


_BECOMES = {
    "on": "turns on",
    "off": "turns off",
    "open": "opens",
    "closed": "closes",
    "playing": "starts playing",
    "docked": "docks",
    "cleaning": "starts cleaning",
}


def _becomes(value: Any) -> str:
    if isinstance(value, str) and value in _BECOMES:
        return _BECOMES[value]
    return f"becomes {_state(value)}"


def _state(value: Any) -> str:
    if isinstance(value, list):
        return " or ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ")


def _trigger(trigger: dict[str, Any], name: Any) -> str:
    kind = trigger["trigger"]
    held = f" for {_duration(trigger['for'])}" if "for" in trigger else ""
    if kind == "state":
        return f"when {name(trigger['entity_id'])} {_becomes(trigger['to'])}{held}"
    if kind == "numeric_state":
        bounds = []
        if "above" in trigger:
            bounds.append(f"above {trigger['above']:g}")
        if "below" in trigger:
            bounds.append(f"below {trigger['below']:g}")
        return f"when {name(trigger['entity_id'])} goes {' and '.join(bounds)}{held}"
    if kind == "time":
        return f"at {trigger['at'][:5]}"
    if kind == "time_pattern":
        unit, every = next((u, v) for u, v in trigger.items() if u != "trigger")
        return f"every {every.lstrip('/')} {unit}"
    if kind == "sun":
        offset = trigger.get("offset")
        if not offset:
            return f"at {trigger['event']}"
        way = "before" if offset.startswith("-") else "after"
        return f"{_duration(offset.lstrip('-'))} {way} {trigger['event']}"
    return "when hausgeist starts"


def _condition(condition: dict[str, Any], name: Any) -> str:
    kind = condition["condition"]
    if kind == "state":
        return f"if {name(condition['entity_id'])} is {_state(condition['state'])}"
    if kind == "numeric_state":
        bounds = [f"{w} {condition[w]:g}" for w in ("above", "below") if w in condition]
        return f"if {name(condition['entity_id'])} is {' and '.join(bounds)}"
    if kind == "sun":
        return " and ".join(f"{w} {condition[w]}" for w in ("after", "before") if w in condition)
    if kind == "or":
        return " or ".join(_condition(c, name) for c in condition["conditions"])
    said = []
    if "weekday" in condition:
        days = list(condition["weekday"])
        if days == ["mon", "tue", "wed", "thu", "fri"]:
            said.append("on weekdays")
        elif days == ["sat", "sun"]:
            said.append("at weekends")
        else:
            said.append("on " + ", ".join(_DAYS[d] for d in days))
    said.extend(f"{w} {condition[w][:5]}" for w in ("after", "before") if w in condition)
    return " ".join(said)


def _step(step: dict[str, Any], registry: DeviceRegistry) -> str:
    if "delay" in step:
        return f"wait {_duration(step['delay'])}"
    call = ServiceCall(
        service=step["action"],
        entity_id=step["target"]["entity_id"],
        data=step.get("data") or {},
    )
    return replies.requested([call], registry)
