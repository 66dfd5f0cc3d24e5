"""Short, natural replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.understanding.vocabulary import COLORS

_VERBS = {
    "turn_on": "Turned on",
    "turn_off": "Turned off",
    "toggle": "Toggled",
    "open_cover": "Opened",
    "close_cover": "Closed",
    "stop_cover": "Stopped",
    "open_valve": "Opened",
    "close_valve": "Closed",
    "stop_valve": "Stopped",
    "lock": "Locked",
    "unlock": "Unlocked",
    "open": "Opened",
    "media_play": "Playing on",
    "media_pause": "Paused",
    "media_stop": "Stopped",
    "media_next_track": "Skipped to the next track on",
    "media_previous_track": "Went back a track on",
    "volume_up": "Turned up",
    "volume_down": "Turned down",
    "start": "Started",
    "stop": "Stopped",
    "pause": "Paused",
    "return_to_base": "Sent home",
    "locate": "Locating",
    "increase_speed": "Sped up",
    "decrease_speed": "Slowed down",
    "activate": "Activated",
    "alarm_arm_home": "Armed (home)",
    "alarm_arm_away": "Armed (away)",
    "alarm_arm_night": "Armed (night)",
    "alarm_arm_vacation": "Armed (vacation)",
    "alarm_disarm": "Disarmed",
    "press": "Pressed",
}
_IMPERATIVE = {
    "open_cover": "open",
    "close_cover": "close",
    "set_cover_position": "move",
    "toggle": "toggle",
    "unlock": "unlock",
    "open": "open",
    "lock": "lock",
    "alarm_disarm": "disarm",
    "alarm_arm_home": "arm (home)",
    "alarm_arm_away": "arm (away)",
    "alarm_arm_night": "arm (night)",
    "open_valve": "open",
    "activate": "activate",
    "close_valve": "close",
    "turn_on": "turn on",
    "turn_off": "turn off",
}
_PLURALS = {
    "light": "lights",
    "switch": "switches",
    "fan": "fans",
    "cover": "covers",
    "valve": "valves",
    "climate": "thermostats",
    "lock": "locks",
    "media_player": "media players",
    "vacuum": "vacuums",
    "scene": "scenes",
    "script": "scripts",
    "input_boolean": "toggles",
    "humidifier": "humidifiers",
    "water_heater": "water heaters",
    "alarm_control_panel": "alarm panels",
    "todo": "lists",
}


def describe(entity_ids: Sequence[str], registry: DeviceRegistry) -> str:
    """``the Kitchen Light`` or ``3 lights in the Kitchen`` or ``4 devices``."""
    devices = [d for e in entity_ids if (d := registry.get(e)) is not None]
    if not devices:
        return "nothing"
    if len(devices) == 1:
        return (
            f"the {devices[0].name}"
            if not devices[0].name.casefold().startswith("the ")
            else devices[0].name
        )
    domains = {d.domain for d in devices}
    areas = {d.area_id for d in devices}
    noun = _PLURALS.get(next(iter(domains)), "devices") if len(domains) == 1 else "devices"
    where = ""
    if len(areas) == 1 and (area_id := next(iter(areas))) is not None:
        where = f" in the {registry.areas[area_id].name}"
    return f"{len(devices)} {noun}{where}"


def action_reply(
    calls: Sequence[ServiceCall], registry: DeviceRegistry, *, pending: bool = False
) -> str:
    """``Turned off 2 lights in the Kitchen.``; one sentence per kind of action."""
    groups: dict[tuple[str, str], list[str]] = {}
    for call in calls:
        name = (
            "activate"
            if call.domain in {"scene", "script"} and call.name == "turn_on"
            else call.name
        )
        groups.setdefault((name, _data_text(call)), []).append(call.entity_id)
    sentences = []
    for (name, data), entity_ids in groups.items():
        what = describe(entity_ids, registry)
        sentences.append(_sentence(name, what, data, pending=pending))
    return " ".join(sentences)


def _sentence(name: str, what: str, data: str, *, pending: bool) -> str:
    if pending:
        verb = _IMPERATIVE.get(name, name.replace("_", " "))
        return f"{verb} {what}{data}"
    if name == "add_item":
        return f"Added {data.removeprefix(' ')} to {what}."
    if name == "turn_on" and data:
        if data.startswith(" ("):
            return f"Made {what}{data.replace(' (', ' ', 1).rstrip(')')}."
        return f"Set {what}{data}."

    if name == "remove_item":
        return f"Removed {data.removeprefix(' ')} from {what}."
    past = _VERBS.get(name)
    if past is None:
        return f"Set {what}{data}."
    return f"{past} {what}{data}."


def _data_text(call: ServiceCall) -> str:
    """How the first data key the reply knows reads in words (`` to 40%``), else nothing."""
    for key, text in _DATA_TEXTS:
        if key in call.data:
            return text(call.data[key])
    return ""


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


def _colour_text(value: Any) -> str:
    rgb = tuple(value)
    name = next((n for n, v in COLORS.items() if v == rgb), None)
    return f" to {name}" if name else f" to colour {rgb}"


_DATA_TEXTS: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("brightness_pct", lambda v: f" to {v}%"),
    ("brightness_step_pct", lambda v: f" ({'brighter' if v > 0 else 'dimmer'} by {abs(v)}%)"),
    ("rgb_color", _colour_text),
    ("color_temp_kelvin", lambda v: f" to {v} K"),
    ("position", lambda v: f" to {v}%"),
    ("percentage", lambda v: f" to {v}%"),
    ("temperature", lambda v: f" to {v}°"),
    ("hvac_mode", lambda v: f" to {_words(v)} mode"),
    ("preset_mode", lambda v: f" to {_words(v)} (preset)"),
    ("fan_mode", lambda v: f" fan to {_words(v)}"),
    ("swing_mode", lambda v: f" swing to {_words(v)}"),
    ("swing_horizontal_mode", lambda v: f" horizontal swing to {_words(v)}"),
    ("operation_mode", lambda v: f" to {_words(v)} mode"),
    ("mode", lambda v: f" to {_words(v)} mode"),
    ("source", lambda v: f" to {_words(v)}"),
    ("sound_mode", lambda v: f" sound to {_words(v)}"),
    ("fan_speed", lambda v: f" fan speed to {_words(v)}"),
    ("volume_level", lambda v: f" volume to {round(float(v) * 100)}%"),
    ("is_volume_muted", lambda v: " (muted)" if v else " (unmuted)"),
    ("item", lambda v: f" '{v}'"),
    ("option", lambda v: f" to {v}"),
    ("value", lambda v: f" to {v}"),
    ("humidity", lambda v: f" to {v}% humidity"),
    ("oscillating", lambda v: " (oscillating)" if v else " (not oscillating)"),
)
"""Data keys in the order a reply reads them, each with its words."""


def confirm_reply(calls: Sequence[ServiceCall], registry: DeviceRegistry, *, pin: bool) -> str:
    """``Do you want me to unlock the Front Door? Say yes to confirm.``"""
    what = requested(calls, registry)
    ask = "Say the PIN to confirm." if pin else "Say yes to confirm."
    return f"Do you want me to {what}? {ask}"


def requested(calls: Sequence[ServiceCall], registry: DeviceRegistry) -> str:
    """``unlock the Front Door and open the Garage Door``."""
    return " and ".join(
        _sentence(c.name, describe([c.entity_id], registry), _data_text(c), pending=True)
        for c in calls
    )


def dropped_reply(calls: Sequence[ServiceCall], registry: DeviceRegistry) -> str:
    """What a new request said while a question was open adds to its reply: ``(I dropped the
    earlier question.)``, or, when ``calls`` waited for a yes, ``(I dropped the earlier
    request to unlock the Front Door.)``."""
    if not calls:
        return "(I dropped the earlier question.)"
    return f"(I dropped the earlier request to {requested(calls, registry)}.)"


def clarify_reply(names: Sequence[str]) -> str:
    """``Which one do you mean: A, B or C?``"""
    if len(names) == 1:
        return f"Do you mean {names[0]}?"
    return f"Which one do you mean: {', '.join(names[:-1])} or {names[-1]}?"
