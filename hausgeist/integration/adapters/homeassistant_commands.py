"""Service calls as the payloads Home Assistant's MQTT platforms send (default payloads)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hausgeist.config.models import HomeAssistantMqttDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.devices.state import EntityState
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.color import kelvin_to_mired, scale

Command = tuple[str, str]
"""``(config key of the topic, payload)``."""

COMMAND_WORDS: Mapping[str, str] = {
    "open_cover": "OPEN",
    "close_cover": "CLOSE",
    "stop_cover": "STOP",
    "open_valve": "OPEN",
    "close_valve": "CLOSE",
    "stop_valve": "STOP",
    "lock": "LOCK",
    "unlock": "UNLOCK",
    "open": "OPEN",
    **{f"alarm_{a}": a.upper() for a in ("disarm", "trigger")},
    **{f"alarm_arm_{m}": f"ARM_{m.upper()}" for m in ("home", "away", "night", "vacation")},
    "alarm_arm_custom_bypass": "ARM_CUSTOM_BYPASS",
    **{s: s for s in ("start", "pause", "stop", "return_to_base", "clean_spot", "locate")},
    **{s: s for s in ("cancel", "finish")},  # timers
    "press": "PRESS",  # Home Assistant's MQTT button: payload_press
}
"""Fixed command payloads on ``command_topic``, by service name."""
_VALUES = frozenset(
    {"set_value", "increment", "decrement", "reset", "select_option", "select_first"}
    | {"select_last", "select_next", "select_previous"}
)
"""Services of value entities (number, select, text, counter...): the value they lead to
goes on ``command_topic``, as Home Assistant's MQTT number, select and text send it."""
_SETTINGS: Mapping[str, tuple[str, str]] = {
    "set_cover_position": ("set_position_topic", "position"),
    "set_valve_position": ("set_position_topic", "position"),
    "set_percentage": ("percentage_command_topic", "percentage"),
    "set_hvac_mode": ("mode_command_topic", "hvac_mode"),
    "set_operation_mode": ("mode_command_topic", "operation_mode"),
    "set_mode": ("mode_command_topic", "mode"),
}
"""Services that send one data value to their own topic."""


def ha_commands(
    call: ServiceCall, current: EntityState, config: HomeAssistantMqttDevice
) -> list[Command]:
    """The messages that carry out ``call``, in order."""
    name, data = call.name, call.data
    if config.schema_ == "json" and call.domain == "light":
        return [("command_topic", json.dumps(_json_light(call, current, config)))]
    if name in _SETTINGS:
        key, value = _SETTINGS[name]
        if name == "set_valve_position" and config.set_position_topic is None:
            key = "command_topic"  # valves that report a position take it on command_topic
        return [(key, _text(data[value]))]
    if name in COMMAND_WORDS:
        return [("command_topic", COMMAND_WORDS[name])]
    if name in _VALUES:
        return [("command_topic", apply_call(call, current)[0] or "")]
    if call.domain in {"climate", "water_heater"} and name in {"set_temperature", "turn_on"}:
        return _thermostat(call, current)
    if call.domain in {"climate", "water_heater"} and name in {"turn_off", "toggle"}:
        return [("mode_command_topic", apply_call(call, current)[0] or "off")]
    if name in {"turn_on", "turn_off", "toggle"}:
        return _on_off(call, current, config)
    if call.domain == "fan" and name in {"increase_speed", "decrease_speed"}:
        _, attrs = apply_call(call, current)
        return [("percentage_command_topic", _text(attrs.get("percentage", 0)))]
    if call.domain == "cover" and name == "toggle":
        return [("command_topic", "OPEN" if current.state in {"closed", "closing"} else "CLOSE")]
    raise IntegrationError(f"{call.service} has no Home Assistant MQTT form in hausgeist")


def _text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _on_off(
    call: ServiceCall, current: EntityState, config: HomeAssistantMqttDevice
) -> list[Command]:
    if call.domain == "scene":
        return [("command_topic", config.payload_on)]
    state, attrs = apply_call(call, current)
    out: list[Command] = []
    if call.domain == "light" and state == "on":
        if any(k.startswith("brightness") for k in call.data):
            level = scale(attrs["brightness"], 255, config.brightness_scale)
            out.append(("brightness_command_topic", str(level)))
        if "rgb_color" in call.data:
            out.append(("rgb_command_topic", ",".join(str(c) for c in call.data["rgb_color"])))
        if "color_temp_kelvin" in call.data:
            mired = kelvin_to_mired(call.data["color_temp_kelvin"])
            out.append(("color_temp_command_topic", str(mired)))
    if call.domain == "fan" and "percentage" in call.data:
        out.append(("percentage_command_topic", _text(call.data["percentage"])))
    # Home Assistant's default on_command_type "last": the settings first, then ON
    return [*out, ("command_topic", config.payload_on if state != "off" else config.payload_off)]


def _thermostat(call: ServiceCall, current: EntityState) -> list[Command]:
    out: list[Command] = []
    mode = call.data.get("hvac_mode", call.data.get("operation_mode"))
    if call.name == "turn_on":
        mode = apply_call(call, current)[0]
    if mode is not None:
        out.append(("mode_command_topic", str(mode)))
    if "temperature" in call.data:
        out.append(("temperature_command_topic", _text(call.data["temperature"])))
    return out


def _json_light(
    call: ServiceCall, current: EntityState, config: HomeAssistantMqttDevice
) -> dict[str, Any]:
    state, attrs = apply_call(call, current)
    data = call.data
    out: dict[str, Any] = {"state": "ON" if state == "on" else "OFF"}
    if state == "on" and any(k.startswith("brightness") for k in data):
        out["brightness"] = scale(attrs["brightness"], 255, config.brightness_scale)
    if "rgb_color" in data:
        out["color"] = dict(zip("rgb", data["rgb_color"], strict=True))
    elif "hs_color" in data:
        out["color"] = dict(zip("hs", data["hs_color"], strict=True))
    elif "xy_color" in data:
        out["color"] = dict(zip("xy", data["xy_color"], strict=True))
    elif "color_temp_kelvin" in data:
        out["color_temp"] = kelvin_to_mired(data["color_temp_kelvin"])
    out.update({k: data[k] for k in ("transition", "effect") if k in data})
    return out
