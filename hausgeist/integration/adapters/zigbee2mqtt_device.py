"""The device side of Zigbee2MQTT, for the simulator: what a ``/set`` object asks for, as
service calls, and the state object a device publishes for a Home Assistant state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.state import EntityState
from hausgeist.integration.adapters.color import kelvin_to_mired, mired_to_kelvin, rgb_of, scale
from hausgeist.integration.adapters.payload import number
from hausgeist.integration.adapters.zigbee2mqtt_commands import fan_mode
from hausgeist.integration.adapters.zigbee2mqtt_keys import (
    FAN_SPEEDS,
    INVERTED,
    NATIVE_DOMAINS,
    Z2mEntity,
)

_SWITCHED = {"ON": "turn_on", "OFF": "turn_off", "TOGGLE": "toggle"}
_WORDS: Mapping[str, Mapping[str, str]] = {
    "cover": {"OPEN": "open_cover", "CLOSE": "close_cover", "STOP": "stop_cover"},
    "valve": {"ON": "open_valve", "OFF": "close_valve", "TOGGLE": "toggle"},
    "lock": {"LOCK": "lock", "UNLOCK": "unlock"},
}
_NUMBERS: Mapping[tuple[str, str], tuple[str, str]] = {
    ("cover", "position"): ("set_cover_position", "position"),
    ("cover", "tilt"): ("set_cover_tilt_position", "tilt_position"),
    ("valve", "position"): ("set_valve_position", "position"),
}


def calls_of_set(entity: Z2mEntity, message: Mapping[str, Any]) -> list[ServiceCall]:
    """The service calls a ``/set`` object amounts to for ``entity`` (unknown keys ignored)."""
    get = {k: message[entity.key(k)] for k in _own_keys(entity, message)}
    found: list[tuple[str, dict[str, Any]]] = []
    if entity.domain not in NATIVE_DOMAINS:
        if isinstance(get.get("service"), str) and isinstance(get.get("data", {}), dict):
            found.append((get["service"], dict(get.get("data", {}))))
    elif entity.domain == "light":
        found.extend(_light(get))
    elif entity.domain in {"switch", "input_boolean"}:
        state = str(get.get("state")).upper()
        found += [(_SWITCHED[state], {})] if state in _SWITCHED else []
    elif entity.domain == "fan":
        found.extend(_fan(get))
    elif entity.domain == "climate":
        found.extend(_climate(entity, get))
    words = _WORDS.get(entity.domain, {})
    if str(get.get("state")).upper() in words:
        found.append((words[str(get["state"]).upper()], {}))
    for (domain, key), (service, field) in _NUMBERS.items():
        value = number(get.get(key))
        if value is not None and entity.domain == domain:
            found.append((service, {field: max(0, min(100, round(value)))}))
    return [c for name, data in found if (c := _call(entity, name, data)) is not None]


def _own_keys(entity: Z2mEntity, message: Mapping[str, Any]) -> list[str]:
    suffix = f"_{entity.endpoint}" if entity.endpoint else ""
    return [k.removesuffix(suffix) for k in message if not suffix or k.endswith(suffix)]


def _call(entity: Z2mEntity, name: str, data: dict[str, Any]) -> ServiceCall | None:
    try:
        return ServiceCall(service=f"{entity.domain}.{name}", entity_id=entity.entity_id, data=data)
    except ValidationError:
        return None


def _light(get: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    state = str(get.get("state")).upper()
    if state in {"OFF", "TOGGLE"}:
        return [(_SWITCHED[state], {})]
    data: dict[str, Any] = {}
    brightness, step = number(get.get("brightness")), number(get.get("brightness_step"))
    mired, rgb = number(get.get("color_temp")), rgb_of(get.get("color"))
    if brightness is not None:
        data["brightness"] = scale(brightness, 254, 255)
    elif step is not None:
        data["brightness_step"] = max(-255, min(255, round(step * 255 / 254)))
    if mired is not None and mired > 0:
        data["color_temp_kelvin"] = mired_to_kelvin(mired)
    elif rgb is not None:
        data["rgb_color"] = rgb
    # keys for other entities on the topic (or nonsense) leave the light alone
    return [("turn_on", data)] if state == "ON" or data else []


def _fan(get: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    state, mode = str(get.get("fan_state", get.get("state"))).upper(), get.get("fan_mode")
    if mode == "off":
        return [("turn_off", {})]
    if mode in FAN_SPEEDS:
        percentage = (FAN_SPEEDS.index(mode) + 1) * 100 // len(FAN_SPEEDS)
        return [("set_percentage", {"percentage": percentage})]
    if isinstance(mode, str) and mode != "on":
        return [("set_preset_mode", {"preset_mode": mode})]
    if mode == "on":
        return [("turn_on", {})]
    return [(_SWITCHED[state], {})] if state in _SWITCHED else []


def _climate(entity: Z2mEntity, get: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(get.get("system_mode"), str):
        found.append(("set_hvac_mode", {"hvac_mode": get["system_mode"]}))
    setpoint = number(get.get(entity.property or "occupied_heating_setpoint"))
    if setpoint is not None:
        found.append(("set_temperature", {"temperature": setpoint}))
    for key, service in (("fan_mode", "set_fan_mode"), ("preset", "set_preset_mode")):
        if isinstance(get.get(key), str):
            found.append((service, {service.removeprefix("set_"): get[key]}))
    return found


def state_message(entity: Z2mEntity, current: EntityState) -> dict[str, Any]:
    """The object a Zigbee2MQTT device in ``current`` publishes on its topic."""
    state, attrs = current.state, current.attributes
    out: dict[str, Any] = {}
    domain = entity.domain
    if domain in {"light", "switch", "input_boolean"} and state is not None:
        out["state"] = "ON" if state == "on" else "OFF"
    if domain == "light":
        if isinstance(attrs.get("brightness"), int | float):
            out["brightness"] = scale(attrs["brightness"], 255, 254)
        kelvin, rgb = attrs.get("color_temp_kelvin"), attrs.get("rgb_color")
        if attrs.get("color_mode") == "color_temp" and isinstance(kelvin, int | float) and kelvin:
            out.update(color_mode="color_temp", color_temp=kelvin_to_mired(kelvin))
        elif isinstance(rgb, list | tuple) and len(rgb) == 3:
            out["color"] = dict(zip("rgb", rgb, strict=True))
    elif domain == "fan":
        out["fan_state"] = "ON" if state == "on" else "OFF"
        preset = attrs.get("preset_mode")
        out["fan_mode"] = preset if state == "on" and preset else fan_mode(attrs.get("percentage"))
    elif domain in {"cover", "valve"}:
        words = ("OPEN", "CLOSE") if domain == "cover" else ("ON", "OFF")
        out["state"] = words[0] if state in {"open", "opening"} else words[1]
        out.update({k: attrs[v] for k, v in _POSITIONS.items() if attrs.get(v) is not None})
    elif domain == "lock" and state in {"locked", "unlocked"}:
        out.update(state="LOCK" if state == "locked" else "UNLOCK", lock_state=state)
    elif domain == "climate":
        out.update({k: attrs[v] for k, v in _CLIMATE.items() if attrs.get(v) is not None})
        out[entity.property or "occupied_heating_setpoint"] = attrs.get("temperature")
        out["system_mode"] = state
    elif domain in {"sensor", "binary_sensor"} and entity.property:
        out[entity.property] = _reading(entity, state)
    elif domain not in NATIVE_DOMAINS:
        out = {"state": state, **attrs}
    return {entity.key(k): v for k, v in out.items()} if domain in NATIVE_DOMAINS else out


_POSITIONS = {"position": "current_position", "tilt": "current_tilt_position"}
_CLIMATE = {"local_temperature": "current_temperature", "fan_mode": "fan_mode"}


def _reading(entity: Z2mEntity, state: str | None) -> Any:
    if entity.domain == "binary_sensor":
        if state not in {"on", "off"}:
            return None
        return (state == "on") != (entity.property in INVERTED)
    value = number(state)
    return state if value is None else (int(value) if value.is_integer() else value)
