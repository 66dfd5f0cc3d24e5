"""The device side of a Home Assistant MQTT device, for the simulator: what a message on one
of its command topics asks for, as service calls, and the messages it publishes on its
state topics for a Home Assistant state, as ``HaReader`` reads them back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from hausgeist.config.models import HomeAssistantMqttDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.state import EntityState
from hausgeist.domains.capabilities import DOMAINS
from hausgeist.integration.adapters.base import Publish
from hausgeist.integration.adapters.color import kelvin_to_mired, mired_to_kelvin, rgb_of, scale
from hausgeist.integration.adapters.homeassistant_commands import COMMAND_WORDS
from hausgeist.integration.adapters.payload import number

Found = list[tuple[str, dict[str, Any]]]
_SETTINGS: Mapping[tuple[str, str], tuple[str, str]] = {
    ("set_position_topic", "cover"): ("set_cover_position", "position"),
    ("set_position_topic", "valve"): ("set_valve_position", "position"),
    ("percentage_command_topic", "fan"): ("set_percentage", "percentage"),
    ("temperature_command_topic", "climate"): ("set_temperature", "temperature"),
    ("temperature_command_topic", "water_heater"): ("set_temperature", "temperature"),
}
"""Command topics that carry one number, by the domain that reads it."""
_MODES = {
    "climate": ("set_hvac_mode", "hvac_mode"),
    "water_heater": ("set_operation_mode", "operation_mode"),
    "humidifier": ("set_mode", "mode"),
}
_MODE_ATTRS = {"fan": "preset_mode", "humidifier": "mode", "water_heater": "operation_mode"}
_WORD_DOMAINS = frozenset({"cover", "valve", "lock", "alarm_control_panel", "vacuum"})
_NUMBER_TOPICS = {
    "brightness_state_topic": "brightness",
    "position_topic": "current_position",
    "percentage_state_topic": "percentage",
    "temperature_state_topic": "temperature",
    "current_temperature_topic": "current_temperature",
}


class HaEntity:
    """One simulated device configured with Home Assistant's MQTT keys."""

    def __init__(self, entity_id: str, config: HomeAssistantMqttDevice) -> None:
        self.entity_id = entity_id
        self.domain = entity_id.partition(".")[0]
        self.config = config
        offered = DOMAINS[self.domain].services if self.domain in DOMAINS else {}
        self._words = {payload: name for name, payload in COMMAND_WORDS.items() if name in offered}

    def keys_of(self, topic: str) -> list[str]:
        """The configuration keys that name ``topic`` as a command topic."""
        fields = type(self.config).model_fields
        return [k for k in fields if k.endswith("topic") and getattr(self.config, k) == topic]

    def calls(self, key: str, payload: str) -> list[ServiceCall]:
        """The service calls a message on the command topic ``key`` amounts to."""
        found = self._found(key, payload)
        return [c for name, data in found if (c := self._call(name, data)) is not None]

    def _found(self, key: str, payload: str) -> Found:
        config, domain = self.config, self.domain
        if key == "command_topic" and config.schema_ == "json" and domain == "light":
            return _json_light(payload, config.brightness_scale)
        value = number(payload)
        if (key, domain) in _SETTINGS and value is not None:
            name, field = _SETTINGS[key, domain]
            return [(name, {field: value})]
        if key == "mode_command_topic" and domain in _MODES and payload:
            name, field = _MODES[domain]
            return [(name, {field: payload})]
        if key == "brightness_command_topic" and value is not None:
            return [("turn_on", {"brightness": scale(value, config.brightness_scale, 255)})]
        if key == "rgb_command_topic" and (rgb := rgb_of(payload)) is not None:
            return [("turn_on", {"rgb_color": rgb})]
        if key == "color_temp_command_topic" and value is not None and value > 0:
            return [("turn_on", {"color_temp_kelvin": mired_to_kelvin(value)})]
        if key != "command_topic":
            return []
        if domain == "valve" and value is not None and config.set_position_topic is None:
            return [("set_valve_position", {"position": value})]
        if payload in self._words:
            return [(self._words[payload], {})]
        if payload == config.payload_on:
            return [("turn_on", {})]
        if payload == config.payload_off:
            return [("turn_off", {})]
        return []

    def _call(self, name: str, data: dict[str, Any]) -> ServiceCall | None:
        try:
            return ServiceCall(service=f"{self.domain}.{name}", entity_id=self.entity_id, data=data)
        except ValidationError:
            return None

    def messages(self, current: EntityState) -> list[Publish]:
        """What the device publishes on its state topics in ``current`` (retained)."""
        config, attrs = self.config, current.attributes
        out: dict[str, Any] = {}
        if config.state_topic and (state := self._state(current)) is not None:
            out[config.state_topic] = state
        for key, attribute in _NUMBER_TOPICS.items():
            value = attrs.get(attribute)
            if getattr(config, key) and isinstance(value, int | float):
                if key == "brightness_state_topic":
                    value = scale(value, 255, config.brightness_scale)
                out[getattr(config, key)] = value
        if config.mode_state_topic:
            mode = current.state if self.domain in {"climate", "water_heater"} else None
            mode = mode or attrs.get(_MODE_ATTRS.get(self.domain, ""))
            if isinstance(mode, str):
                out[config.mode_state_topic] = mode
        if config.json_attributes_topic:
            out[config.json_attributes_topic] = dict(attrs)
        return [Publish(topic, _payload(value), retain=True) for topic, value in out.items()]

    def _state(self, current: EntityState) -> Any:
        state = current.state
        if state is None or self.domain in {"climate", "water_heater"}:
            return None
        if self.config.schema_ == "json" and self.domain == "light":
            return _json_state(current, self.config.brightness_scale)
        if self.domain not in _WORD_DOMAINS and self.domain != "sensor":
            state = self.config.payload_on if state == "on" else self.config.payload_off
        if self.config.value_path:
            value: Any = state
            for step in reversed(self.config.value_path.removeprefix("value_json.").split(".")):
                value = {step: value}
            return value
        return state


def _payload(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, separators=(",", ":")).encode()


def _json_light(payload: str, brightness_scale: int) -> Found:
    try:
        message = json.loads(payload)
    except ValueError:
        return []
    if not isinstance(message, dict):
        return []
    state = str(message.get("state", "")).upper()
    if state == "OFF":
        return [("turn_off", {})]
    data: dict[str, Any] = {}
    if (level := number(message.get("brightness"))) is not None:
        data["brightness"] = scale(level, brightness_scale, 255)
    if (mired := number(message.get("color_temp"))) is not None and mired > 0:
        data["color_temp_kelvin"] = mired_to_kelvin(mired)
    elif (rgb := rgb_of(message.get("color"))) is not None:
        data["rgb_color"] = rgb
    return [("turn_on", data)] if state == "ON" or data else []


def _json_state(current: EntityState, brightness_scale: int) -> dict[str, Any]:
    attrs = current.attributes
    out: dict[str, Any] = {"state": "ON" if current.state == "on" else "OFF"}
    if isinstance(level := attrs.get("brightness"), int | float):
        out["brightness"] = scale(level, 255, brightness_scale)
    kelvin, rgb = attrs.get("color_temp_kelvin"), attrs.get("rgb_color")
    if attrs.get("color_mode") == "color_temp" and isinstance(kelvin, int | float) and kelvin:
        out["color_temp"] = kelvin_to_mired(kelvin)
    elif isinstance(rgb, list | tuple) and len(rgb) == 3:
        out["color"] = dict(zip("rgb", rgb, strict=True))
    return out
