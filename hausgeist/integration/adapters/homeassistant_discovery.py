"""Device entries from Home Assistant MQTT discovery messages
(``<prefix>/<component>/[<node_id>/]<object_id>/config``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hausgeist.config.checks import ENTITY_ID
from hausgeist.errors import PayloadError
from hausgeist.integration.adapters.discovery_entries import device_class, entry, slug
from hausgeist.integration.adapters.payload import json_object

_COMPONENTS = frozenset(
    {"light", "switch", "cover", "lock", "fan", "climate", "sensor", "binary_sensor", "valve"}
    | {"humidifier", "water_heater", "alarm_control_panel", "vacuum", "scene"}
)
_ABBREVIATIONS: Mapping[str, str] = {
    "cmd_t": "command_topic",
    "stat_t": "state_topic",
    "avty_t": "availability_topic",
    "avty": "availability",
    "bri_cmd_t": "brightness_command_topic",
    "bri_stat_t": "brightness_state_topic",
    "bri_scl": "brightness_scale",
    "rgb_cmd_t": "rgb_command_topic",
    "clr_temp_cmd_t": "color_temp_command_topic",
    "pos_t": "position_topic",
    "set_pos_t": "set_position_topic",
    "pct_cmd_t": "percentage_command_topic",
    "pct_stat_t": "percentage_state_topic",
    "temp_cmd_t": "temperature_command_topic",
    "temp_stat_t": "temperature_state_topic",
    "curr_temp_t": "current_temperature_topic",
    "mode_cmd_t": "mode_command_topic",
    "mode_stat_t": "mode_state_topic",
    "json_attr_t": "json_attributes_topic",
    "pl_on": "payload_on",
    "pl_off": "payload_off",
    "val_tpl": "value_template",
    "stat_val_tpl": "state_value_template",
    "dev_cla": "device_class",
    "unit_of_meas": "unit_of_measurement",
    "obj_id": "object_id",
    "uniq_id": "unique_id",
    "sup_clrm": "supported_color_modes",
    "pr_modes": "preset_modes",
    "dev": "device",
    "t": "topic",
}
_TOPIC_KEYS = (
    *("command_topic", "state_topic", "brightness_command_topic", "brightness_state_topic"),
    *("rgb_command_topic", "color_temp_command_topic", "position_topic", "set_position_topic"),
    *("percentage_command_topic", "percentage_state_topic", "temperature_command_topic"),
    *("temperature_state_topic", "current_temperature_topic", "mode_command_topic"),
    *("mode_state_topic", "json_attributes_topic", "availability_topic"),
)
_TOPIC = re.compile(r"^[^/]+/(?P<component>[^/]+)/(?:(?P<node>[^/]+)/)?(?P<object>[^/]+)/config$")
_TEMPLATE = re.compile(r"^\{\{\s*value_json((?:\.\w+|\[['\"]?[\w ]+['\"]?\])+)\s*(?:\|[^}]*)?\}\}$")


def devices_from_ha_discovery(
    topic: str, payload: bytes, area_hint: str | None = None
) -> dict[str, Any] | None:
    """The config entry a discovery message describes; None when it removes one (empty
    payload) or is of a component hausgeist does not drive (buttons, numbers...)."""
    match = _TOPIC.match(topic)
    if match is None:
        raise PayloadError(f"{topic}: not a discovery topic (<prefix>/<component>/.../config)")
    domain = match.group("component")
    if domain not in _COMPONENTS or not payload.strip():
        return None
    config = _expand(json_object(payload, topic))
    origin = config.get("origin") or config.get("o")
    if isinstance(origin, Mapping) and origin.get("name") == "hausgeist":
        return None  # an agent's own entities (the command box, its switches): no devices
    mqtt: dict[str, Any] = {"type": "homeassistant"}
    mqtt |= {k: config[k] for k in _TOPIC_KEYS if isinstance(config.get(k), str)}
    availability = config.get("availability")
    if "availability_topic" not in mqtt and isinstance(availability, list) and availability:
        first = availability[0]
        mqtt["availability_topic"] = first.get("topic") if isinstance(first, dict) else None
    for key in ("payload_on", "payload_off"):
        if isinstance(config.get(key), str | int | bool):
            mqtt[key] = (
                str(config[key]).lower() if isinstance(config[key], bool) else str(config[key])
            )
    if isinstance(config.get("brightness_scale"), int) and config["brightness_scale"] > 0:
        mqtt["brightness_scale"] = config["brightness_scale"]
    if config.get("schema") == "json" and domain == "light":
        mqtt["schema"] = "json"
    template = config.get("value_template") or config.get("state_value_template")
    found = _TEMPLATE.match(template.strip()) if isinstance(template, str) else None
    if found:
        steps = re.findall(r"\.(\w+)|\[['\"]?([\w ]+)['\"]?\]", found.group(1))
        mqtt["value_path"] = ".".join(a or b for a, b in steps)
    entity_id, name = _identity(domain, config, match.group("node"), match.group("object"))
    cls = device_class(domain, config.get("device_class"))
    return entry(
        entity_id,
        name,
        mqtt,
        area=area_hint,
        device_class=cls,
        attributes=_attributes(domain, config, mqtt),
    )


def _expand(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Long key names, and ``~`` at either end of a topic replaced by the base topic."""
    config = {_ABBREVIATIONS.get(k, k): v for k, v in raw.items()}
    base = config.get("~")
    device = config.get("device")
    if isinstance(device, Mapping):
        config["device"] = {{"sa": "suggested_area"}.get(k, k): v for k, v in device.items()}
    if isinstance(config.get("availability"), list):
        config["availability"] = [
            _expand(a) if isinstance(a, Mapping) else a for a in config["availability"]
        ]
    if isinstance(base, str):
        for key, value in config.items():
            if isinstance(value, str) and key != "~":
                if value.startswith("~"):
                    config[key] = base + value[1:]
                elif value.endswith("~"):
                    config[key] = value[:-1] + base
    return config


def _identity(
    domain: str, config: Mapping[str, Any], node: str | None, object_id: str
) -> tuple[str, str]:
    found = config.get("device")
    device: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    device_name = device.get("name") if isinstance(device.get("name"), str) else None
    own = config.get("name") if isinstance(config.get("name"), str) else None
    if own and device_name and own.casefold().startswith(device_name.casefold()):
        device_name = None  # "Kitchen" + "Kitchen Light" is "Kitchen Light"
    name = " ".join(n for n in (device_name, own) if n) or object_id.replace("_", " ")
    default = config.get("default_entity_id")
    if isinstance(default, str) and ENTITY_ID.match(default) and default.startswith(f"{domain}."):
        return default, name
    wanted = config.get("object_id")
    key = wanted if isinstance(wanted, str) else (name if own or device_name else object_id)
    return f"{domain}.{slug(key or node or object_id)}", name


def _attributes(domain: str, config: Mapping[str, Any], mqtt: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unit = config.get("unit_of_measurement")
    if isinstance(unit, str) and domain in {"sensor", "climate", "water_heater"}:
        out["unit_of_measurement"] = unit
    modes = config.get("supported_color_modes")
    if domain == "light":
        if not isinstance(modes, list):
            modes = [m for k, m in _LIGHT_MODES if mqtt.get(k)] or (
                ["brightness"]
                if mqtt.get("brightness_command_topic") or config.get("brightness")
                else ["onoff"]
            )
        out["supported_color_modes"] = [str(m) for m in modes]
    if domain in {"cover", "valve"} and (
        mqtt.get("set_position_topic") or mqtt.get("position_topic")
    ):
        out["current_position"] = None  # it has a position; the value comes with the state
    for key, attr in (("modes", "hvac_modes"), ("preset_modes", "preset_modes")):
        if isinstance(config.get(key), list) and domain in {"climate", "fan"}:
            out[attr] = [str(m) for m in config[key]]
    for key in ("min_temp", "max_temp"):
        if isinstance(config.get(key), int | float) and not isinstance(config.get(key), bool):
            out[key] = config[key]
    return out


_LIGHT_MODES = (("rgb_command_topic", "rgb"), ("color_temp_command_topic", "color_temp"))
