"""The JSON a Zigbee2MQTT device publishes on ``<topic>``, read as Home Assistant state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hausgeist.integration.adapters.color import mired_to_kelvin, rgb_of, scale
from hausgeist.integration.adapters.payload import number, state_text
from hausgeist.integration.adapters.zigbee2mqtt_keys import FAN_SPEEDS, INVERTED, Z2mEntity

Reading = tuple[str | None, dict[str, Any]]
Reader = Callable[[Z2mEntity, Callable[[str], Any]], Reading]
_COLOR_MODES = frozenset({"xy", "hs", "color_temp"})
_LOCK_STATES = {"locked": "locked", "unlocked": "unlocked", "not_fully_locked": "jammed"}
_HVAC_ACTIONS = {"idle": "idle", "heat": "heating", "cool": "cooling", "fan_only": "fan"}


def read_state(entity: Z2mEntity, message: Mapping[str, Any]) -> Reading | None:
    """State and attributes of ``entity`` in ``message``; None when the message is not about it."""

    def get(name: str) -> Any:
        return message.get(entity.key(name))

    reader = _READERS.get(entity.domain, _service_domain)
    state, attrs = reader(entity, get)
    battery = number(message.get("battery"))
    if battery is not None and (state is not None or attrs):
        attrs["battery"] = round(battery)
    if state is None and not attrs:
        return None
    return state, attrs


def _word(value: Any, words: Mapping[str, str]) -> str | None:
    return words.get(value.upper()) if isinstance(value, str) else None


def _on_off(value: Any) -> str | None:
    return _word(value, {"ON": "on", "OFF": "off"})


def _switch(_entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    return _on_off(get("state")), {}


def _light(_entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    attrs: dict[str, Any] = {}
    brightness, mired = number(get("brightness")), number(get("color_temp"))
    if brightness is not None:
        attrs["brightness"] = scale(brightness, 254, 255)
    if mired is not None and mired > 0:
        attrs["color_temp_kelvin"] = mired_to_kelvin(mired)
    rgb = rgb_of(get("color"))
    if rgb is not None:
        attrs["rgb_color"] = rgb
    color = get("color")
    if isinstance(color, dict) and None not in (xy := [number(color.get(k)) for k in "xy"]):
        attrs["xy_color"] = xy
    if isinstance(get("color_mode"), str) and get("color_mode") in _COLOR_MODES:
        attrs["color_mode"] = get("color_mode")
    return _on_off(get("state")), attrs


def _fan(_entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    state = _on_off(get("fan_state")) or _on_off(get("state"))
    mode, attrs = get("fan_mode"), dict[str, Any]()
    if mode == "off":
        state, attrs["percentage"] = "off", 0
    elif mode in FAN_SPEEDS:
        state, attrs["percentage"] = "on", (FAN_SPEEDS.index(mode) + 1) * 100 // len(FAN_SPEEDS)
    elif isinstance(mode, str) and 0 < len(mode) <= 40:
        state = "on"
        if mode != "on":
            attrs["preset_mode"] = mode
    return state, attrs


def _positioned(opened: Mapping[str, str]) -> Reader:
    def reader(_entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
        attrs: dict[str, Any] = {}
        position, tilt = number(get("position")), number(get("tilt"))
        if position is not None:
            attrs["current_position"] = max(0, min(100, round(position)))
        if tilt is not None:
            attrs["current_tilt_position"] = max(0, min(100, round(tilt)))
        state = _word(get("state"), opened)
        if position is not None:
            state = "open" if position > 0 else "closed"
        return state, attrs

    return reader


def _lock(_entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    lock_state = get("lock_state")
    state = _LOCK_STATES.get(lock_state) if isinstance(lock_state, str) else None
    return state or _word(get("state"), {"LOCK": "locked", "UNLOCK": "unlocked"}), {}


def _climate(entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    attrs: dict[str, Any] = {}
    for key, name in (
        (entity.property or "occupied_heating_setpoint", "temperature"),
        ("local_temperature", "current_temperature"),
        ("occupied_cooling_setpoint", "target_temp_high"),
    ):
        value = number(get(key))
        if value is not None:
            attrs[name] = value
    if "temperature" not in attrs and number(get("current_heating_setpoint")) is not None:
        attrs["temperature"] = number(get("current_heating_setpoint"))
    action = get("running_state")
    if isinstance(action, str) and action in _HVAC_ACTIONS:
        attrs["hvac_action"] = _HVAC_ACTIONS[action]
    for key, name in (("fan_mode", "fan_mode"), ("preset", "preset_mode")):
        if isinstance(get(key), str):
            attrs[name] = get(key)
    mode = get("system_mode")
    return (mode if isinstance(mode, str) and 0 < len(mode) <= 40 else None), attrs


def _sensor(entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    return (state_text(get(entity.property)) if entity.property else None), {}


def _binary(entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    flag = get(entity.property) if entity.property else None
    if isinstance(flag, str):
        flag = {"ON": True, "OFF": False}.get(flag.upper())
    if not isinstance(flag, bool):
        return None, {}
    return ("on" if flag != (entity.property in INVERTED) else "off"), {}


def _service_domain(_entity: Z2mEntity, get: Callable[[str], Any]) -> Reading:
    """Domains without Zigbee2MQTT properties report Home Assistant's own names."""
    attrs = {k: v for k in _EXTRA_KEYS if (v := get(k)) is not None}
    if not isinstance(attrs.get("items", []), list):
        del attrs["items"]
    state = get("state")
    return (state.lower() if isinstance(state, str) and len(state) <= 255 else None), attrs


_EXTRA_KEYS = (
    *("volume_level", "is_volume_muted", "media_title", "source", "shuffle", "repeat"),
    *("fan_speed", "battery_level", "temperature", "current_temperature", "operation_mode"),
    *("away_mode", "humidity", "current_humidity", "mode", "items"),
)
"""Attributes the service-call domains report (what the simulator publishes)."""

_READERS: Mapping[str, Reader] = {
    "light": _light,
    "switch": _switch,
    "input_boolean": _switch,
    "fan": _fan,
    "cover": _positioned({"OPEN": "open", "CLOSE": "closed", "CLOSED": "closed"}),
    "valve": _positioned({"ON": "open", "OFF": "closed", "OPEN": "open", "CLOSED": "closed"}),
    "lock": _lock,
    "climate": _climate,
    "sensor": _sensor,
    "binary_sensor": _binary,
}
"""Readers of the native domains (``NATIVE_DOMAINS``)."""
