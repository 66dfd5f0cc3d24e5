"""State topics of Home Assistant MQTT devices, read the way Home Assistant's platforms do."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hausgeist.config.models import HomeAssistantMqttDevice
from hausgeist.domains.capabilities import DOMAINS
from hausgeist.integration.adapters.color import mired_to_kelvin, rgb_of, scale
from hausgeist.integration.adapters.payload import (
    availability,
    dotted,
    json_object,
    json_or_text,
    number,
    state_text,
)

Reading = tuple[str | None, dict[str, Any], bool | None]
"""State (None: unchanged), attributes, availability (None: not said)."""
Reader = Callable[[bytes, str], Reading]
_WORD_DOMAINS = frozenset({"cover", "valve", "lock", "alarm_control_panel", "vacuum"})
_SKIP_WORDS = frozenset({"stopped", "none", "unknown", ""})
_NUMBER_TOPICS: Mapping[str, str] = {
    "position_topic": "current_position",
    "percentage_state_topic": "percentage",
    "temperature_state_topic": "temperature",
    "current_temperature_topic": "current_temperature",
}
_MODE_ATTRS = {"fan": "preset_mode", "humidifier": "mode", "water_heater": "operation_mode"}


class HaReader:
    """Reads one entity out of the messages on its configured state topics."""

    def __init__(self, domain: str, config: HomeAssistantMqttDevice) -> None:
        self._domain = domain
        self._config = config
        spec = DOMAINS.get(domain)
        self._value_state = spec is not None and spec.value_state
        # Home Assistant's other domains that are not turned on and off report a word
        # (home, above_horizon, idle); the ones that are read payload_on/payload_off.
        foreign = spec is not None and not spec.contract and "turn_on" not in spec.services
        self._words = domain in _WORD_DOMAINS or foreign
        # Attributes first, so that the entity's own readings win over raw JSON attributes.
        readers: list[tuple[str | None, Reader]] = [
            (config.json_attributes_topic, self._json_attributes),
            (config.availability_topic, self._availability),
            (config.state_topic, self._state),
            (config.brightness_state_topic, self._brightness),
            (config.mode_state_topic, self._mode),
            *((getattr(config, key), self._number(attr)) for key, attr in _NUMBER_TOPICS.items()),
        ]
        self._readers = [(topic, read) for topic, read in readers if topic]

    def topics(self) -> list[str]:
        """Every configured state topic, once."""
        return list(dict.fromkeys(topic for topic, _ in self._readers))

    def read(self, topic: str, payload: bytes) -> Reading | None:
        """Everything the message on ``topic`` says, merged over all keys that name it."""
        parts = [read(payload, topic) for wanted, read in self._readers if wanted == topic]
        state = next((p[0] for p in reversed(parts) if p[0] is not None), None)
        attrs = {k: v for part in parts for k, v in part[1].items()}
        available = next((p[2] for p in parts if p[2] is not None), None)
        return None if (state, attrs, available) == (None, {}, None) else (state, attrs, available)

    @staticmethod
    def _availability(payload: bytes, topic: str) -> Reading:
        return None, {}, availability(payload, topic)

    def _value(self, payload: bytes, topic: str) -> Any:
        value = json_or_text(payload, topic)
        if self._config.value_path:
            return dotted(value, self._config.value_path.removeprefix("value_json."))
        return value

    def _state(self, payload: bytes, topic: str) -> Reading:
        if self._config.schema_ == "json" and self._domain == "light":
            return self._json_light(json_object(payload, topic))
        value = self._value(payload, topic)
        if self._domain == "vacuum" and isinstance(value, Mapping):
            attrs = {k: value[k] for k in ("battery_level", "fan_speed") if k in value}
            return self._word(value.get("state")), attrs, None
        if isinstance(value, Mapping):  # a JSON state and no value_path: its "state" key
            value = value.get("state")
        if self._value_state:
            return state_text(value), {}, None
        if self._words:
            return self._word(value), {}, None
        return self._on_off(value), {}, None

    def _on_off(self, value: Any) -> str | None:
        if not isinstance(value, str | int | float):
            return None
        word = str(value).lower() if isinstance(value, bool) else str(value)
        if word == self._config.payload_on:
            return "on"
        if word == self._config.payload_off:
            return "off"
        return {"ON": "on", "OFF": "off", "TRUE": "on", "FALSE": "off"}.get(word.upper())

    @staticmethod
    def _word(value: Any) -> str | None:
        if not isinstance(value, str) or len(value) > 40 or value.lower() in _SKIP_WORDS:
            return None
        return value.lower()

    def _brightness(self, payload: bytes, topic: str) -> Reading:
        level = number(self._value(payload, topic))
        if level is None:
            return None, {}, None
        return None, {"brightness": scale(level, self._config.brightness_scale, 255)}, None

    def _number(self, attribute: str) -> Reader:
        def read(payload: bytes, topic: str) -> Reading:
            value = number(json_or_text(payload, topic))
            if value is None:
                return None, {}, None
            if attribute != "current_position":
                return None, {attribute: value}, None
            position = max(0, min(100, round(value)))
            state = None if self._config.state_topic else ("open" if position else "closed")
            return state, {attribute: position}, None

        return read

    def _mode(self, payload: bytes, topic: str) -> Reading:
        mode = self._word(json_or_text(payload, topic))
        attribute = _MODE_ATTRS.get(self._domain)
        if mode is None:
            return None, {}, None
        state = mode if self._domain in {"climate", "water_heater"} else None
        return state, ({attribute: mode} if attribute else {}), None

    @staticmethod
    def _json_attributes(payload: bytes, topic: str) -> Reading:
        message = json_object(payload, topic)
        return None, {k: v for k, v in message.items() if len(k) <= 64 and k != "state"}, None

    def _json_light(self, message: Mapping[str, Any]) -> Reading:
        attrs: dict[str, Any] = {}
        level, mired = number(message.get("brightness")), number(message.get("color_temp"))
        if level is not None:
            attrs["brightness"] = scale(level, self._config.brightness_scale, 255)
        if mired is not None and mired > 0:
            attrs["color_temp_kelvin"] = mired_to_kelvin(mired)
        rgb = rgb_of(message.get("color"))
        if rgb is not None:
            attrs["rgb_color"] = rgb
        if isinstance(message.get("color_mode"), str):
            attrs["color_mode"] = message["color_mode"][:20]
        return self._on_off(message.get("state")), attrs, None
