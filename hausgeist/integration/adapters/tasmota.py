"""The Tasmota adapter: ``cmnd/<topic>/<Command>`` out; ``stat/``, ``tele/`` in.

Relays (switches, plain lights, valves, fans) use ``POWER<relay>``; lights add ``Dimmer``
(0-100), ``CT`` (mireds), ``Color``/``HSBColor``; fans ``FanSpeed`` (0-3, Sonoff iFan); covers the
shutter commands of shutter ``<relay>``. Several commands go as one ``Backlog``."""

from __future__ import annotations

from hausgeist.config.models import TasmotaDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.devices.registry import Device
from hausgeist.devices.state import EntityState
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.base import Publish, StateUpdate
from hausgeist.integration.adapters.color import kelvin_to_mired, scale, xy_to_rgb
from hausgeist.integration.adapters.tasmota_state import TasmotaReader

_POWER = {"turn_on": "ON", "turn_off": "OFF", "toggle": "TOGGLE"}
_RELAY_DOMAINS = frozenset({"switch", "input_boolean", "light", "fan", "valve"})
_SHUTTER = {
    "open_cover": "ShutterOpen",
    "close_cover": "ShutterClose",
    "stop_cover": "ShutterStop",
    "toggle": "ShutterToggle",
}
_VALVE = {"open_valve": "ON", "close_valve": "OFF", "toggle": "TOGGLE"}


class TasmotaAdapter:
    """Drives one relay, light, fan or shutter of a Tasmota device."""

    def __init__(self, device: Device, config: TasmotaDevice) -> None:
        self._device = device
        self._topic = config.topic.strip("/")
        self._index = "" if config.relay is None else str(config.relay)
        self._reader = TasmotaReader(device.domain, config)

    @property
    def entity_id(self) -> str:
        """The entity it drives."""
        return self._device.entity_id

    def subscriptions(self) -> list[str]:
        """``stat/<topic>/RESULT``, ``stat/<topic>/POWER<n>``, ``tele/<topic>/STATE|SENSOR|LWT``."""
        topics = self._reader.topics(self._index)
        return [f"{prefix}/{self._topic}/{name}" for prefix, name in topics]

    def publish_topics(self) -> frozenset[str]:
        """Every ``cmnd/<topic>/...`` this entity may use."""
        domain = self._device.domain
        names = {f"POWER{self._index}"} if domain in _RELAY_DOMAINS else set()
        if domain == "light":
            names |= {"Backlog", "Dimmer", "CT", "Color", "HSBColor"}
        if domain == "fan":
            names.add("FanSpeed")
        if domain == "cover":
            shutter = self._index or "1"
            names |= {f"{c}{shutter}" for c in (*_SHUTTER.values(), "ShutterPosition")}
        return frozenset(f"cmnd/{self._topic}/{n}" for n in names)

    def encode(self, call: ServiceCall, current: EntityState) -> list[Publish]:
        """The command, or a ``Backlog`` of them."""
        commands = self._commands(call, current)
        if len(commands) == 1:
            name, value = commands[0]
            return [Publish(f"cmnd/{self._topic}/{name}", value.encode())]
        backlog = ";NoDelay;".join(f"{name} {value}" for name, value in commands)
        return [Publish(f"cmnd/{self._topic}/Backlog", backlog.encode())]

    def decode(self, topic: str, payload: bytes) -> list[StateUpdate]:
        """State, attributes or availability of the entity in one message."""
        prefix, _, rest = topic.partition("/")
        device_topic, _, name = rest.rpartition("/")
        if device_topic != self._topic:
            return []
        reading = self._reader.read(prefix, name, payload, topic)
        if reading is None:
            return []
        state, attrs, available = reading
        return [StateUpdate(self.entity_id, state, attrs, available)]

    def _commands(self, call: ServiceCall, current: EntityState) -> list[tuple[str, str]]:
        power = f"POWER{self._index}"
        domain, name, data = call.domain, call.name, call.data
        if domain == "cover" and name in _SHUTTER:
            return [(f"{_SHUTTER[name]}{self._index or '1'}", "")]
        if domain == "cover" and name == "set_cover_position":
            return [(f"ShutterPosition{self._index or '1'}", str(data["position"]))]
        if domain == "valve" and name in _VALVE:
            return [(power, _VALVE[name])]
        if domain == "fan" and (name in {"set_percentage", "increase_speed", "decrease_speed"}):
            _, attrs = apply_call(call, current)
            return [("FanSpeed", str(-(-round(attrs.get("percentage") or 0) * 3 // 100)))]
        if domain in _RELAY_DOMAINS - {"valve"} and name in _POWER:
            settings = self._light_settings(call, current)
            if settings is None:  # brightness 0: Home Assistant turns the light off
                return [(power, "OFF")]
            return [(power, _POWER[name]), *settings]
        raise IntegrationError(
            f"{call.service} cannot be sent to the Tasmota device {self._topic}: Tasmota drives"
            " switches, lights, fans, valves and covers here; use the generic device type"
        )

    def _light_settings(
        self, call: ServiceCall, current: EntityState
    ) -> list[tuple[str, str]] | None:
        data = call.data
        if call.domain != "light" or call.name != "turn_on" or not data:
            return []
        state, attrs = apply_call(call, current)
        settings: list[tuple[str, str]] = []
        if state == "off":
            return None
        if any(k.startswith("brightness") for k in data):
            settings.append(("Dimmer", str(scale(attrs["brightness"], 255, 100))))
        if "color_temp_kelvin" in data:
            mired = max(153, min(500, kelvin_to_mired(data["color_temp_kelvin"])))
            settings.append(("CT", str(mired)))
        rgb = data.get("rgb_color")
        if "xy_color" in data:
            rgb = xy_to_rgb(*data["xy_color"])
        if rgb is not None:
            settings.append(("Color", ",".join(str(c) for c in rgb)))
        if "hs_color" in data:
            dimmer = scale(attrs.get("brightness") or 255, 255, 100)
            hue, sat = data["hs_color"]
            settings.append(("HSBColor", f"{round(hue)},{round(sat)},{dimmer}"))
        return settings
