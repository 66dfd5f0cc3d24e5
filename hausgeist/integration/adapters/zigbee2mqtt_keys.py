"""Zigbee2MQTT's property names: which JSON key carries what, per domain and device class."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hausgeist.config.models import Zigbee2MqttDevice
from hausgeist.devices.registry import Device

FAN_SPEEDS = ("low", "medium", "high")
"""``fan_mode`` values that are speeds; the others (auto, smart) are presets."""

SENSOR_PROPERTIES: Mapping[str, str] = {
    "carbon_dioxide": "co2",
    "volatile_organic_compounds": "voc",
    "volatile_organic_compounds_parts": "voc",
    "moisture": "soil_moisture",
    "signal_strength": "linkquality",
}
"""Sensor device classes whose Zigbee2MQTT property is not named like the class."""

BINARY_PROPERTIES: Mapping[str, str] = {
    "door": "contact",
    "window": "contact",
    "opening": "contact",
    "garage_door": "contact",
    "motion": "occupancy",
    "occupancy": "occupancy",
    "presence": "presence",
    "moisture": "water_leak",
    "battery": "battery_low",
    "carbon_monoxide": "carbon_monoxide",
}
"""Binary sensor device classes and the flag Zigbee2MQTT publishes for them."""

INVERTED = frozenset({"contact"})
"""Flags that are true when the binary sensor is off (``contact: true`` = door closed)."""

SETPOINT = "occupied_heating_setpoint"
"""The thermostat setpoint unless the device's ``property`` names another."""

NATIVE_DOMAINS = frozenset(
    {"light", "switch", "input_boolean", "fan", "cover", "valve", "lock", "climate"}
    | {"sensor", "binary_sensor"}
)
"""Domains Zigbee2MQTT has properties for; the others travel as service calls (see README)."""


@dataclass(frozen=True)
class Z2mEntity:
    """One entity of a Zigbee2MQTT device: where it lives and which keys are its own."""

    entity_id: str
    """The entity."""
    domain: str
    """Its domain."""
    topic: str
    """``zigbee2mqtt/<friendly name>``."""
    endpoint: str | None = None
    """Multi-endpoint devices suffix their keys: ``state_l2``."""
    property: str | None = None
    """The key of its main value (sensor reading, flag, setpoint)."""

    @classmethod
    def of(cls, device: Device, config: Zigbee2MqttDevice) -> Z2mEntity:
        """The entity ``device`` reached through ``config``; the property defaulted by class."""
        return cls(
            device.entity_id,
            device.domain,
            config.topic.rstrip("/"),
            config.endpoint,
            config.property or _default_property(device.domain, device.device_class),
        )

    def key(self, name: str) -> str:
        """The JSON key of property ``name`` on this entity's endpoint."""
        return f"{name}_{self.endpoint}" if self.endpoint else name


def _default_property(domain: str, device_class: str | None) -> str | None:
    if domain == "sensor":
        if device_class is None:
            return None
        return SENSOR_PROPERTIES.get(device_class, device_class)
    if domain == "binary_sensor":
        return BINARY_PROPERTIES.get(device_class or "", device_class or "occupancy")
    if domain == "climate":
        return SETPOINT
    return None
