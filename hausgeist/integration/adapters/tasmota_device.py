"""The device side of Tasmota, for the simulator: what a ``cmnd/<topic>/<Command>`` asks of
one entity, as service calls, and what the board reports for a Home Assistant state
(``stat/<topic>/RESULT``, ``tele/<topic>/SENSOR``), as ``TasmotaReader`` reads it back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from hausgeist.config.models import TasmotaDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.state import EntityState
from hausgeist.integration.adapters.color import kelvin_to_mired, mired_to_kelvin, rgb_of, scale
from hausgeist.integration.adapters.payload import number

Found = list[tuple[str, dict[str, Any]]]
_POWER_WORDS = {"ON": "turn_on", "1": "turn_on", "OFF": "turn_off", "0": "turn_off"}
_POWER_WORDS |= {"TOGGLE": "toggle", "2": "toggle"}
_VALVE = {"turn_on": "open_valve", "turn_off": "close_valve", "toggle": "toggle"}
_SHUTTER = {
    "SHUTTEROPEN": "open_cover",
    "SHUTTERCLOSE": "close_cover",
    "SHUTTERSTOP": "stop_cover",
    "SHUTTERTOGGLE": "toggle",
}


def commands_of(name: str, value: str) -> list[tuple[str, str]]:
    """``(command, value)`` pairs of one message; a ``Backlog`` holds several."""
    if name.upper() != "BACKLOG":
        return [(name, value.strip())]
    found = []
    for part in value.split(";"):
        command, _, argument = part.strip().partition(" ")
        if command and command.upper() != "NODELAY":
            found.append((command, argument.strip()))
    return found


class TasmotaEntity:
    """One relay, light, fan, shutter or sensor of a simulated Tasmota board."""

    def __init__(self, entity_id: str, config: TasmotaDevice) -> None:
        self.entity_id = entity_id
        self.domain = entity_id.partition(".")[0]
        self.config = config
        index = "" if config.relay is None else str(config.relay)
        self.power_key = f"POWER{index}"
        # The names the agent may send: POWER<relay>, and POWER for relay 1 or POWER1 for none.
        also = {1: {"POWER"}, None: {"POWER1"}}.get(config.relay, set())
        self._power_names = {self.power_key, *also}
        self._shutter = str(config.relay or 1)

    def calls(self, command: str, value: str) -> list[ServiceCall]:
        """The service calls one command amounts to for this entity."""
        name = command.upper()
        if name in self._power_names and value.upper() in _POWER_WORDS:
            found: Found = [(_POWER_WORDS[value.upper()], {})]
            if self.domain == "valve":
                found = [(_VALVE[found[0][0]], {})]
        elif self.domain == "light" and name in _LIGHT:
            found = _LIGHT[name](value)
        elif self.domain == "fan" and name == "FANSPEED" and (speed := number(value)) is not None:
            speed = max(0, min(3, round(speed)))
            found = [("set_percentage", {"percentage": speed * 100 // 3})] if speed else []
            found = found or [("turn_off", {})]
        elif self.domain == "cover" and name.removesuffix(self._shutter) in _SHUTTER:
            found = [(_SHUTTER[name.removesuffix(self._shutter)], {})]
        elif self.domain == "cover" and name == f"SHUTTERPOSITION{self._shutter}":
            position = number(value)
            found = [] if position is None else [("set_cover_position", {"position": position})]
        else:
            found = []
        return [c for service, data in found if (c := self._call(service, data)) is not None]

    def _call(self, name: str, data: dict[str, Any]) -> ServiceCall | None:
        try:
            return ServiceCall(service=f"{self.domain}.{name}", entity_id=self.entity_id, data=data)
        except ValidationError:
            return None

    def result(self, current: EntityState) -> dict[str, Any]:
        """The keys of ``stat/<topic>/RESULT`` that report this entity in ``current``."""
        state, attrs = current.state, current.attributes
        if self.domain == "cover":
            position = attrs.get("current_position")
            if not isinstance(position, int | float):
                position = 100 if state in {"open", "opening"} else 0
            return {f"Shutter{self._shutter}": {"Position": round(position), "Direction": 0}}
        if state is None:
            return {}
        out: dict[str, Any] = {self.power_key: "ON" if state in {"on", "open"} else "OFF"}
        if self.domain == "light":
            if isinstance(brightness := attrs.get("brightness"), int | float):
                out["Dimmer"] = scale(brightness, 255, 100)
            if isinstance(kelvin := attrs.get("color_temp_kelvin"), int | float) and kelvin:
                out["CT"] = kelvin_to_mired(kelvin)
            if isinstance(rgb := attrs.get("rgb_color"), list | tuple) and len(rgb) == 3:
                out["Color"] = ",".join(str(round(c)) for c in rgb)
        percentage = attrs.get("percentage")
        if self.domain == "fan" and isinstance(percentage, int | float):
            out["FanSpeed"] = -(-round(percentage) * 3 // 100) if state == "on" else 0
        return out

    def sensor(self, current: EntityState) -> dict[str, Any] | None:
        """``tele/<topic>/SENSOR`` with this sensor's reading at its path; None without one."""
        if self.config.sensor is None or current.state is None:
            return None
        value: Any = current.state
        if self.domain == "binary_sensor":
            value = "ON" if value == "on" else "OFF"
        elif (reading := number(value)) is not None:
            value = int(reading) if reading.is_integer() else reading
        for step in reversed(self.config.sensor.split(".")):
            value = {step: value}
        return dict(value)


def _light_data(key: str, convert: Callable[[str], Any]) -> Callable[[str], Found]:
    def read(value: str) -> Found:
        converted = convert(value)
        return [] if converted is None else [("turn_on", {key: converted})]

    return read


def _hsb(value: str) -> Found:
    parts = [number(p) for p in value.split(",")]
    if len(parts) != 3 or any(p is None for p in parts):
        return []
    hue, saturation, brightness = (p or 0 for p in parts)
    data = {"hs_color": [hue % 360, max(0, min(100, saturation))]}
    return [("turn_on", {**data, "brightness_pct": max(0, min(100, round(brightness)))})]


def _mireds(value: str) -> int | None:
    mired = number(value)
    return None if mired is None or mired <= 0 else mired_to_kelvin(mired)


def _percent(value: str) -> int | None:
    level = number(value)
    return None if level is None else max(0, min(100, round(level)))


_LIGHT: Mapping[str, Callable[[str], Found]] = {
    "DIMMER": _light_data("brightness_pct", _percent),
    "CT": _light_data("color_temp_kelvin", _mireds),
    "COLOR": _light_data("rgb_color", rgb_of),
    "HSBCOLOR": _hsb,
}
