"""Hostile payloads: random bytes and random JSON never break an adapter or discovery.

Every decode either raises PayloadError or returns well-formed StateUpdates."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from adapter_helpers import registry_of
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.devices import DOMAINS as CAPABILITIES
from hausgeist.devices import EntityState, ServiceCall
from hausgeist.errors import IntegrationError, PayloadError
from hausgeist.integration.adapters import AdapterSet, StateUpdate
from hausgeist.integration.adapters.zigbee2mqtt_device import calls_of_set
from hausgeist.integration.adapters.zigbee2mqtt_keys import Z2mEntity
from hausgeist.integration.discovery import devices_from_ha_discovery, devices_from_z2m_bridge

Z2M = {"type": "zigbee2mqtt", "topic": "z/T"}
HA = {
    "type": "homeassistant",
    "command_topic": "h/set",
    "state_topic": "h/state",
    "brightness_state_topic": "h/bri",
    "position_topic": "h/pos",
    "mode_state_topic": "h/mode",
    "json_attributes_topic": "h/attrs",
    "availability_topic": "h/avail",
}
DOMAINS = (
    *("light", "switch", "fan", "cover", "valve", "lock", "climate", "media_player"),
    *("vacuum", "alarm_control_panel", "sensor", "binary_sensor", "todo", "humidifier"),
)
DEVICES = [
    *({"id": f"{d}.z", "name": f"{d} z", "mqtt": Z2M} for d in DOMAINS),
    *({"id": f"{d}.h", "name": f"{d} h", "mqtt": HA} for d in DOMAINS),
    {"id": "light.h_json", "name": "json", "mqtt": {**HA, "schema": "json"}},
    *(
        {"id": f"{d}.t", "name": f"{d} t", "mqtt": {"type": "tasmota", "topic": "t"}}
        for d in DOMAINS
    ),
    {"id": "sensor.t2", "name": "t2", "mqtt": {"type": "tasmota", "topic": "t", "sensor": "A.B"}},
    *(
        {
            "id": f"{d}.g",
            "name": f"{d} g",
            "mqtt": {
                "type": "generic",
                "commands": {},
                "state_topic": "g",
                "availability_topic": "g/a",
            },
        }
        for d in DOMAINS
    ),
    {
        "id": "switch.g_path",
        "name": "g path",
        "mqtt": {"type": "generic", "commands": {}, "state_topic": "g", "state_template": "a.0.b"},
    },
]
ADAPTERS = AdapterSet.from_registry(registry_of(*DEVICES))
TOPICS = ADAPTERS.subscriptions()
KEYS = (
    "state", "brightness", "color_temp", "color", "color_mode", "position", "tilt", "lock_state",
    "system_mode", "occupied_heating_setpoint", "local_temperature", "fan_mode", "fan_state",
    "temperature", "contact", "occupancy", "battery", "POWER", "POWER1", "Dimmer", "CT", "Color",
    "FanSpeed", "Shutter1", "Position", "Direction", "x", "y", "r", "g", "b", "hue", "A", "a",
    "service", "data", "items", "volume_level", "battery_level", "fan_speed",
)  # fmt: skip
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars | st.sampled_from(["ON", "OFF", "online", "LOCK", "heat", "low", "FF00AA", "1,2,3"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)


def _check(topic: str, payload: bytes) -> None:
    try:
        updates = ADAPTERS.decode(topic, payload)
    except PayloadError:
        return
    for update in updates:
        assert isinstance(update, StateUpdate)
        assert update.state is None or isinstance(update.state, str)
        assert all(isinstance(k, str) for k in update.attributes)
        assert update.available is None or isinstance(update.available, bool)
        json.dumps(dict(update.attributes), default=str)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TOPICS), st.binary(max_size=200))
def test_random_bytes(topic: str, payload: bytes) -> None:
    _check(topic, payload)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TOPICS), json_values)
def test_random_json(topic: str, value: Any) -> None:
    _check(topic, json.dumps(value, allow_nan=True).encode())


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TOPICS), st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))
def test_random_objects_with_real_keys(topic: str, value: dict[str, Any]) -> None:
    _check(topic, json.dumps(value).encode())


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(DOMAINS), st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))
def test_random_set_commands_on_the_device_side(domain: str, message: dict[str, Any]) -> None:
    entity = Z2mEntity(f"{domain}.x", domain, "z/T", property="temperature")
    for call in calls_of_set(entity, message):
        assert call.entity_id == f"{domain}.x"


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_random_bridge_devices(value: Any) -> None:
    payload = json.dumps([value, {"friendly_name": "x", "definition": {"exposes": [value]}}])
    try:
        entries = devices_from_z2m_bridge(payload.encode())
    except PayloadError:
        return
    assert all(isinstance(e["id"], str) for e in entries)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["light", "sensor", "cover", "climate", "fan"]), json_values)
def test_random_ha_discovery(component: str, value: Any) -> None:
    try:
        devices_from_ha_discovery(f"homeassistant/{component}/x/config", json.dumps(value).encode())
    except PayloadError:
        return


def test_deep_nesting_is_refused() -> None:
    deep = b"[" * 5000 + b"]" * 5000
    _check("z/T", deep)
    _check("h/state", deep)


def test_huge_numbers_are_no_numbers() -> None:
    _check("z/T", b'{"brightness": 1e999, "position": -1e308, "temperature": ' + b"9" * 5000 + b"}")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.text(max_size=40))
def test_random_bytes_and_topics_at_discovery(payload: bytes, topic: str) -> None:
    for parse in (
        lambda: devices_from_z2m_bridge(payload),
        lambda: devices_from_ha_discovery(f"homeassistant/light/{topic}/config", payload),
        lambda: devices_from_ha_discovery(topic, payload),
    ):
        with contextlib.suppress(PayloadError):
            parse()


def _valid_data(service: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Data a validated call of ``service`` may carry (ranges of the capability tables)."""
    fields = {}
    for field in service.fields:
        lo, hi = field.minimum or 0, field.maximum if field.maximum is not None else 100
        fields[field.key] = {
            "int": st.integers(int(lo), int(hi)),
            "float": st.floats(lo, hi, allow_nan=False),
            "bool": st.booleans(),
            "rgb": st.lists(st.integers(0, 255), min_size=3, max_size=3),
            "pair": st.lists(st.floats(0, 1), min_size=2, max_size=2),
            "items": st.text(min_size=1, max_size=5),
        }.get(field.kind.value, st.sampled_from(["auto", "heat", "eco", "low", "milk"]))
    required = [f.key for f in service.fields if f.required]
    return st.fixed_dictionaries(
        {k: fields[k] for k in required},
        optional={k: v for k, v in fields.items() if k not in required},
    )


CALLS = [
    (f"{domain}.{name}", service)
    for domain, spec in CAPABILITIES.items()
    if domain in DOMAINS
    for name, service in spec.services.items()
]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CALLS).flatmap(lambda c: st.tuples(st.just(c[0]), _valid_data(c[1]))))
def test_every_adapter_encodes_or_refuses_every_call(call: tuple[str, dict[str, Any]]) -> None:
    service, data = call
    domain = service.split(".")[0]
    for suffix in ("z", "h", "h_json", "t", "g"):
        entity_id = f"{domain}.{suffix}"
        if not ADAPTERS.has_adapter(entity_id):
            continue
        with contextlib.suppress(IntegrationError):
            call_ = ServiceCall(service=service, entity_id=entity_id, data=data)
            for publish in ADAPTERS.encode(call_, EntityState("off", {"brightness": 10})):
                assert publish.topic in ADAPTERS.allowed_topics()
