"""Device entries from Zigbee2MQTT's retained ``<base>/bridge/devices`` message."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from hausgeist.errors import PayloadError
from hausgeist.integration.adapters.discovery_entries import entry, slug, unique
from hausgeist.integration.adapters.payload import parse_json
from hausgeist.integration.adapters.zigbee2mqtt_keys import FAN_SPEEDS

_LOG = logging.getLogger(__name__)
MAX_BRIDGE_PAYLOAD = 8 * 1024 * 1024
"""``bridge/devices`` of a large network runs to megabytes."""
_CONTROLS = frozenset({"light", "switch", "cover", "lock", "fan", "climate"})
_SENSORS: Mapping[str, str | None] = {
    "temperature": "temperature",
    "local_temperature": None,
    "humidity": "humidity",
    "pressure": "pressure",
    "illuminance": "illuminance",
    "illuminance_lux": "illuminance",
    "co2": "carbon_dioxide",
    "voc": "volatile_organic_compounds",
    "pm25": "pm25",
    "pm10": "pm10",
    "power": "power",
    "energy": "energy",
    "voltage": "voltage",
    "current": "current",
    "battery": "battery",
    "soil_moisture": "moisture",
}
"""Readable numeric properties worth a sensor, and their device class (None: skipped)."""
_BINARIES: Mapping[str, str] = {
    "occupancy": "occupancy",
    "presence": "presence",
    "contact": "door",
    "water_leak": "moisture",
    "smoke": "smoke",
    "gas": "gas",
    "vibration": "vibration",
    "tamper": "tamper",
    "battery_low": "battery",
    "carbon_monoxide": "carbon_monoxide",
}
_SETTABLE = 0b010  # the "set" bit of an expose's access


def devices_from_z2m_bridge(
    payload: bytes, area_hint: str | None = None, *, base_topic: str = "zigbee2mqtt"
) -> list[dict[str, Any]]:
    """Config entries for every usable device in a ``bridge/devices`` payload.

    Coordinators, disabled and unsupported devices are left out; a device gives one entry per
    control it exposes (light, switch per endpoint...) and one per reading (temperature...)."""
    devices = parse_json(payload, f"{base_topic}/bridge/devices", MAX_BRIDGE_PAYLOAD)
    if not isinstance(devices, list):
        raise PayloadError(f"{base_topic}/bridge/devices: expected a list of devices")
    entries: list[dict[str, Any]] = []
    for device in devices:
        if not isinstance(device, dict) or device.get("type") == "Coordinator":
            continue
        definition, name = device.get("definition"), device.get("friendly_name")
        if device.get("disabled") or not isinstance(definition, dict) or not isinstance(name, str):
            continue
        exposes = definition.get("exposes")
        for expose in exposes if isinstance(exposes, list) else []:
            if not isinstance(expose, dict):
                continue
            try:
                entries.extend(_entries(expose, name, f"{base_topic}/{name}", area_hint))
            except PayloadError as err:  # one odd device does not spoil the others
                _LOG.info("skipping part of %s: %s", name, err)
    return unique(entries)


def _entries(
    expose: dict[str, Any], name: str, topic: str, area: str | None
) -> list[dict[str, Any]]:
    kind, prop = expose.get("type"), expose.get("property")
    if not isinstance(kind, str):
        return []
    mqtt: dict[str, Any] = {"type": "zigbee2mqtt", "topic": topic}
    if kind in _CONTROLS:
        endpoint = expose.get("endpoint") if isinstance(expose.get("endpoint"), str) else None
        listed = expose.get("features")
        listed = listed if isinstance(listed, list) else []
        features = {f["name"]: f for f in listed if isinstance(f, dict) and _named(f)}
        attributes, extra = _control(str(kind), features)
        suffix = f"_{slug(endpoint)}" if endpoint else ""
        label = f"{name} {endpoint}" if endpoint else name
        entity_id = f"{kind}.{slug(name)}{suffix}"
        mqtt |= {"endpoint": endpoint, **extra}
        return [entry(entity_id, label, mqtt, area=area, attributes=attributes)]
    access = expose.get("access")
    readable = not (isinstance(access, int) and access & _SETTABLE)
    if not isinstance(prop, str) or not readable:
        return []
    label = f"{name} {str(expose.get('label') or prop.replace('_', ' ')).lower()}"
    mqtt["property"] = prop
    if kind == "numeric" and _SENSORS.get(prop):
        unit = expose.get("unit")
        units = {"unit_of_measurement": unit} if isinstance(unit, str) else None
        entity_id = f"sensor.{slug(name)}_{slug(prop)}"
        cls = _SENSORS[prop]
        return [entry(entity_id, label, mqtt, area=area, device_class=cls, attributes=units)]
    if kind == "binary" and prop in _BINARIES:
        entity_id = f"binary_sensor.{slug(name)}_{slug(prop)}"
        return [entry(entity_id, label, mqtt, area=area, device_class=_BINARIES[prop])]
    return []


def _control(
    kind: str, features: Mapping[Any, dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Attributes (Home Assistant names) and extra mqtt keys of a light, cover, climate..."""
    attributes: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if kind == "light":
        modes = [m for f, m in _COLOR_MODES if f in features]
        attributes["supported_color_modes"] = modes or (
            ["brightness"] if "brightness" in features else ["onoff"]
        )
        temp = features.get("color_temp", {})
        low, high = temp.get("value_min"), temp.get("value_max")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > 0:
            attributes["min_color_temp_kelvin"] = round(1_000_000 / high)
            attributes["max_color_temp_kelvin"] = round(1_000_000 / low)
    elif kind == "cover":
        attributes |= {a: None for f, a in _COVER_ATTRS if f in features}
    elif kind == "climate":
        setpoint = next((f for f in _SETPOINTS if f in features), None)
        if setpoint is not None:
            extra["property"] = setpoint
            for key, attr in (("value_min", "min_temp"), ("value_max", "max_temp")):
                value = features[setpoint].get(key)
                attributes[attr] = value if isinstance(value, int | float) else None
        hvac_modes = features.get("system_mode", {}).get("values")
        if isinstance(hvac_modes, list):
            attributes["hvac_modes"] = [m for m in hvac_modes if isinstance(m, str)]
    elif kind == "fan":
        values = features.get("fan_mode", features.get("mode", {})).get("values")
        values = values if isinstance(values, list) else []
        presets = [v for v in values if isinstance(v, str) and v not in {*FAN_SPEEDS, "off", "on"}]
        attributes |= {"preset_modes": presets} if presets else {}
    return {k: v for k, v in attributes.items() if v is not None or kind == "cover"}, extra


_COLOR_MODES = (("color_xy", "xy"), ("color_hs", "hs"), ("color_temp", "color_temp"))
_COVER_ATTRS = (("position", "current_position"), ("tilt", "current_tilt_position"))
_SETPOINTS = ("occupied_heating_setpoint", "current_heating_setpoint", "occupied_cooling_setpoint")


def _named(feature: dict[str, Any]) -> bool:
    return isinstance(feature.get("name"), str)
