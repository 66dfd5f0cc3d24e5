"""What a service call does to an entity: its state and attributes afterwards, as Home Assistant
would report them. Pure; drives virtual devices (no MQTT) and the simulator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.state import EntityState

Outcome = tuple[str | None, dict[str, Any]]
Effect = Callable[[ServiceCall, str | None, dict[str, Any]], str | None]
"""Gets the call, the current state and a copy of the attributes to change; returns the state."""

_ARMED = ("home", "away", "night", "vacation", "custom_bypass")
_FIXED: Mapping[str, str] = {
    f"{domain}.{service}": state
    for domain, table in {
        "lock": {"lock": "locked", "unlock": "unlocked", "open": "open"},
        "media_player": {"media_play": "playing", "media_pause": "paused", "media_stop": "idle"},
        "vacuum": {"start": "cleaning", "clean_spot": "cleaning", "stop": "idle"}
        | {"pause": "paused", "return_to_base": "returning"},
        "alarm_control_panel": {f"alarm_arm_{mode}": f"armed_{mode}" for mode in _ARMED}
        | {"alarm_disarm": "disarmed", "alarm_trigger": "triggered"},
        "timer": {"start": "active", "pause": "paused", "cancel": "idle", "finish": "idle"},
    }.items()
    for service, state in table.items()
}
"""Services that always leave the same state."""

_MODE_KEY: Mapping[str, str] = {"climate": "hvac_mode", "water_heater": "operation_mode"}
"""Domains whose state is a mode: a data key of that name sets the state."""
_COLOR_KEYS = {
    "rgb_color": "rgb",
    "hs_color": "hs",
    "xy_color": "xy",
    "color_temp_kelvin": "color_temp",
}
_BRIGHTNESS_KEYS = ("brightness_pct", "brightness", "brightness_step_pct", "brightness_step")
_NOT_ATTRIBUTES = frozenset({"code", "transition", "flash", "hvac_mode", "item", "duration"})
_UNCHANGED_DOMAINS = frozenset({"scene", "script"})


def apply_call(call: ServiceCall, current: EntityState) -> Outcome:
    """The state and the full attributes ``call`` leaves ``current`` in."""
    attrs = dict(current.attributes)
    if call.domain in _UNCHANGED_DOMAINS:
        return current.state, attrs
    effect = _EFFECTS.get(call.service) or _EFFECTS.get(f"*.{call.name}")
    if effect is not None:
        return effect(call, current.state, attrs), attrs
    attrs.update({k: v for k, v in call.data.items() if k not in _NOT_ATTRIBUTES})
    mode = call.data.get(_MODE_KEY.get(call.domain, ""))
    return (mode if isinstance(mode, str) else _FIXED.get(call.service, current.state)), attrs


def _toggle(call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str | None:
    name = "turn_on" if state in {"off", None} else "turn_off"
    turn = _EFFECTS.get(f"{call.domain}.{name}") or _EFFECTS[f"*.{name}"]
    plain = call.model_copy(update={"service": f"{call.domain}.{name}", "data": {}})
    return turn(plain, state, attrs)


def _light_on(call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str:
    data = call.data
    old = attrs.get("brightness")
    base = old if state == "on" and isinstance(old, int | float) else 0
    key = next((k for k in _BRIGHTNESS_KEYS if k in data), None)
    new: float | None = None if key is None else data[key]
    if key is not None and key.endswith("_pct"):
        new = round(data[key] * 255 / 100)
    if key is not None and "step" in key:
        new = base + (new or 0)
    if new is not None and round(new) <= 0:
        return "off"  # Home Assistant turns a light off when asked for brightness 0
    if new is not None:
        attrs["brightness"] = min(255, round(new))
    elif not old and "brightness" in attrs:
        attrs["brightness"] = 255
    for key, mode in _COLOR_KEYS.items():
        if key in data:  # one colour mode at a time: the other kind of colour is cleared
            other = "rgb_color" if mode == "color_temp" else "color_temp_kelvin"
            attrs.update({key: data[key], "color_mode": mode, other: None})
    attrs.update({k: data[k] for k in ("effect", "color_name") if k in data})
    return "on"


def _percentage(call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str:
    data = call.data
    old = attrs.get("percentage")
    now = old if isinstance(old, int | float) and state == "on" else 0
    step = data.get("percentage_step") or attrs.get("percentage_step") or 1
    steps = {"increase_speed": min(100, now + step), "decrease_speed": max(0, now - step)}
    new = (steps | {"turn_off": 0}).get(call.name, data.get("percentage"))
    if "preset_mode" in data:
        attrs["preset_mode"] = data["preset_mode"]
    if new is None:
        if "percentage" in attrs and not attrs["percentage"]:
            attrs["percentage"] = 100
        return "on"
    if call.name != "turn_off" or "percentage" in attrs:  # on/off fans report no percentage
        attrs["percentage"] = round(new)
    return "on" if new > 0 else "off"


def _position(key: str) -> Effect:
    """Covers and valves: ``open``/``closed`` by the position they are sent to (tilt: as is)."""

    def effect(call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str | None:
        name, tilt = call.name, "tilt" in call.name
        if name == "toggle":
            name = "open" if state in {"closed", "closing"} else "close"
        if name.startswith(("open", "close")):
            if key in attrs or tilt:  # a position is kept only where the device reports one
                attrs[key] = 100 if name.startswith("open") else 0
            return state if tilt else ("open" if name.startswith("open") else "closed")
        if name.startswith("set_"):
            attrs[key] = call.data.get("tilt_position" if tilt else "position")
            return state if tilt else ("open" if attrs[key] else "closed")
        return state  # stop: it stays where it is

    return effect


def _mode_on(listed: str, preferred: tuple[str, ...]) -> Effect:
    """climate/water_heater ``turn_on``: a working mode, the way Home Assistant picks one."""

    def effect(call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str:
        if state not in {"off", None}:
            return state  # already working: it stays in its mode
        modes = [str(m) for m in attrs.get(listed) or [] if m != "off"]
        mode = next((m for m in preferred if m in modes), modes[0] if modes else preferred[-1])
        if call.domain == "water_heater":
            last = attrs.get("operation_mode")
            mode = attrs["operation_mode"] = last if last not in {None, "off"} else mode
        return mode

    return effect


def _volume(sign: int) -> Effect:
    def effect(_call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str | None:
        level, step = attrs.get("volume_level"), attrs.get("volume_step")
        level = level if isinstance(level, int | float) else 0.5
        step = step if isinstance(step, int | float) else 0.1  # Home Assistant's default step
        attrs["volume_level"] = round(min(1.0, max(0.0, level + sign * step)), 2)
        return state

    return effect


def _todo(call: ServiceCall, _state: str | None, attrs: dict[str, Any]) -> str:
    items = [i for i in (_item(x) for x in attrs.get("items") or []) if i is not None]
    data, wanted = call.data, call.data.get("item")
    names = {str(n).casefold() for n in (wanted if isinstance(wanted, list) else [wanted])}
    if call.name == "add_item":
        items.append({"summary": str(wanted), "status": "needs_action"})
        items[-1].update({k: data[k] for k in ("due_date", "description") if k in data})
    elif call.name == "remove_item":
        items = [i for i in items if i["summary"].casefold() not in names]
    elif call.name == "remove_completed_items":
        items = [i for i in items if i["status"] != "completed"]
    elif call.name == "update_item":
        for i in items:
            if i["summary"].casefold() in names:
                i.update({"summary": data.get("rename", i["summary"])})
                i.update({"status": data["status"]} if "status" in data else {})
    attrs["items"] = items
    return str(sum(1 for i in items if i["status"] == "needs_action"))


def _item(value: Any) -> dict[str, Any] | None:
    """A to-do item as Home Assistant lists them; plain texts from the config are accepted."""
    if isinstance(value, str):
        return {"summary": value, "status": "needs_action"}
    if isinstance(value, Mapping) and isinstance(value.get("summary"), str):
        return {"status": "needs_action", **value}
    return None


def _set_value(call: ServiceCall, _state: str | None, _attrs: dict[str, Any]) -> str:
    """number, input_number, text, input_text, counter: the state is the value set."""
    value = call.data["value"]
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _count(sign: int, low: str, high: str) -> Effect:
    """``increment``/``decrement`` by the entity's ``step`` (1), within its bounds."""

    def effect(_call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str | None:
        try:
            now = float(state or attrs.get("initial") or 0)
        except ValueError:
            return state  # not a number (unknown): Home Assistant would not count from it
        step = attrs.get("step")
        new = now + sign * (step if isinstance(step, int | float) else 1)
        lo, hi = attrs.get(low), attrs.get(high)
        new = max(new, lo) if isinstance(lo, int | float) else new
        new = min(new, hi) if isinstance(hi, int | float) else new
        return str(int(new)) if float(new).is_integer() else str(new)

    return effect


def _reset(_call: ServiceCall, _state: str | None, attrs: dict[str, Any]) -> str:
    initial = attrs.get("initial")
    return str(initial) if isinstance(initial, int) else "0"


def _select(call: ServiceCall, state: str | None, attrs: dict[str, Any]) -> str | None:
    """select, input_select: the option chosen, or the one before/after it in ``options``."""
    if call.name == "select_option":
        return str(call.data["option"])
    options = [str(o) for o in attrs.get("options") or []]
    if not options:
        return state
    if call.name in {"select_first", "select_last"}:
        return options[0 if call.name == "select_first" else -1]
    at = options.index(state) if state in options else -1
    step = 1 if call.name == "select_next" else -1
    if at == -1:
        return options[0 if step > 0 else -1]
    wanted = at + step
    if call.data.get("cycle", True):
        return options[wanted % len(options)]
    return options[max(0, min(len(options) - 1, wanted))]


_COVER, _TILT = _position("current_position"), _position("current_tilt_position")
_SELECTS = ("select_option", "select_first", "select_last", "select_next", "select_previous")

_EFFECTS: Mapping[str, Effect] = {
    "*.turn_on": lambda _call, _state, _attrs: "on",
    "*.turn_off": lambda _call, _state, _attrs: "off",
    "*.toggle": _toggle,
    "light.turn_on": _light_on,
    **{f"fan.{s}": _percentage for s in ("turn_on", "turn_off", "set_percentage")},
    **{f"fan.{s}": _percentage for s in ("increase_speed", "decrease_speed")},
    **{f"cover.{s}": _COVER for s in ("open_cover", "close_cover", "stop_cover", "toggle")},
    "cover.set_cover_position": _COVER,
    **{f"cover.{s}_cover_tilt": _TILT for s in ("open", "close", "stop")},
    "cover.set_cover_tilt_position": _TILT,
    **{f"valve.{s}": _COVER for s in ("open_valve", "close_valve", "stop_valve", "toggle")},
    "valve.set_valve_position": _COVER,
    "climate.turn_on": _mode_on("hvac_modes", ("heat_cool", "heat", "cool", "heat")),
    "water_heater.turn_on": _mode_on("operation_list", ("eco", "on")),
    "media_player.media_play_pause": lambda _c, state, _a: (
        "paused" if state == "playing" else "playing"
    ),
    "media_player.volume_up": _volume(1),
    "media_player.volume_down": _volume(-1),
    **{f"todo.{s}": _todo for s in ("add_item", "remove_item", "update_item")},
    "todo.remove_completed_items": _todo,
    "*.set_value": _set_value,
    "*.press": lambda _c, state, _a: state,  # Home Assistant's state: the time of the press
    **{f"{d}.{s}": _select for d in ("select", "input_select") for s in _SELECTS},
    "input_number.increment": _count(+1, "min", "max"),
    "input_number.decrement": _count(-1, "min", "max"),
    "counter.increment": _count(+1, "minimum", "maximum"),
    "counter.decrement": _count(-1, "minimum", "maximum"),
    "counter.reset": _reset,
}
"""Services whose effect needs more than a fixed state and copied data."""
