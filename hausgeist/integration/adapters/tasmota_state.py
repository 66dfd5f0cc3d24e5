"""What Tasmota reports on ``stat/<topic>/…`` and ``tele/<topic>/…``, as Home Assistant state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hausgeist.config.models import TasmotaDevice
from hausgeist.integration.adapters.color import mired_to_kelvin, rgb_of, scale
from hausgeist.integration.adapters.payload import (
    availability,
    dotted,
    json_object,
    number,
    state_text,
    text,
)

Reading = tuple[str | None, dict[str, Any], bool | None]
_ON_OFF = {"ON": "on", "OFF": "off"}
_OPEN_CLOSED = {"ON": "open", "OFF": "closed"}


class TasmotaReader:
    """Reads one entity's state out of a Tasmota device's messages."""

    def __init__(self, domain: str, config: TasmotaDevice) -> None:
        self._domain = domain
        self._sensor = config.sensor
        index = "" if config.relay is None else str(config.relay)
        # A device with one relay says POWER, one with several POWER1, POWER2...
        self._power_keys = [f"POWER{index}"] + (["POWER"] if config.relay == 1 else [])
        self._power_keys += ["POWER1"] if config.relay is None else []
        self._shutter = f"Shutter{config.relay or 1}"

    def topics(self, index: str) -> list[tuple[str, str]]:
        """``(prefix, last level)`` of every topic the entity's state arrives on."""
        found = [("tele", "LWT")]
        if self._domain in {"sensor", "binary_sensor"}:
            return [*found, ("tele", "SENSOR")]
        found += [("stat", "RESULT"), ("tele", "STATE"), ("stat", f"POWER{index}")]
        return found + ([("tele", "SENSOR")] if self._domain == "cover" else [])

    def read(self, prefix: str, name: str, payload: bytes, topic: str) -> Reading | None:
        """The reading of one message, or None when it says nothing about the entity."""
        if (prefix, name) == ("tele", "LWT"):
            return None, {}, availability(payload, topic)
        if prefix == "stat" and name.startswith("POWER"):
            if name not in self._power_keys:
                return None
            return self._power(text(payload, topic)), {}, None
        if (prefix, name) == ("tele", "SENSOR") and self._sensor is not None:
            return self._reading(dotted(json_object(payload, topic), self._sensor))
        if (prefix, name) in {("stat", "RESULT"), ("tele", "STATE"), ("tele", "SENSOR")}:
            return self._status(json_object(payload, topic))
        return None

    def _power(self, word: Any) -> str | None:
        words = _OPEN_CLOSED if self._domain == "valve" else _ON_OFF
        return words.get(word.upper()) if isinstance(word, str) else None

    def _reading(self, value: Any) -> Reading | None:
        if self._domain == "binary_sensor":
            flag = self._power(value) if isinstance(value, str) else value
            state = "on" if flag is True or flag == "on" else None
            state = "off" if flag is False or flag == "off" else state
        else:
            state = state_text(value)
        return None if state is None else (state, {}, None)

    def _status(self, message: Mapping[str, Any]) -> Reading | None:
        attrs: dict[str, Any] = {}
        power = next((message[k] for k in self._power_keys if k in message), None)
        state = self._power(power)
        if self._domain == "light":
            dimmer, mired = number(message.get("Dimmer")), number(message.get("CT"))
            if dimmer is not None:
                attrs["brightness"] = scale(dimmer, 100, 255)
            if mired is not None and mired > 0:
                attrs["color_temp_kelvin"] = mired_to_kelvin(mired)
            rgb = rgb_of(message.get("Color"))
            if rgb is not None:
                attrs["rgb_color"] = rgb
        if self._domain == "fan" and number(message.get("FanSpeed")) is not None:
            speed = max(0, min(3, round(number(message["FanSpeed"]) or 0)))
            attrs["percentage"] = speed * 100 // 3
            state = "on" if speed else "off"
        shutter = message.get(self._shutter)
        if self._domain == "cover" and isinstance(shutter, Mapping):
            state = self._cover(shutter, attrs)
        return None if state is None and not attrs else (state, attrs, None)

    @staticmethod
    def _cover(shutter: Mapping[str, Any], attrs: dict[str, Any]) -> str | None:
        position, direction = number(shutter.get("Position")), number(shutter.get("Direction"))
        if position is None:
            return None
        attrs["current_position"] = max(0, min(100, round(position)))
        if direction:
            return "opening" if direction > 0 else "closing"
        return "open" if position > 0 else "closed"
