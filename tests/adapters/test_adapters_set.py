"""AdapterSet: which topics, which entities, and how it routes messages."""

from __future__ import annotations

import pytest
from adapter_helpers import registry_of

from hausgeist.devices import EntityState, ServiceCall
from hausgeist.errors import PayloadError
from hausgeist.integration.adapters import AdapterSet, StateUpdate

HOME = (
    {"id": "light.kitchen", "name": "Kitchen", "mqtt": {"type": "zigbee2mqtt", "topic": "z/K"}},
    {
        "id": "sensor.kitchen_temperature",
        "name": "Kitchen temperature",
        "device_class": "temperature",
        "mqtt": {"type": "zigbee2mqtt", "topic": "z/S"},
    },
    {"id": "switch.plug", "name": "Plug", "mqtt": {"type": "tasmota", "topic": "plug"}},
    {
        "id": "switch.pump",
        "name": "Pump",
        "mqtt": {"type": "homeassistant", "command_topic": "pump/set", "state_topic": "z/K"},
    },
    {"id": "light.virtual", "name": "Virtual"},
    {
        "id": "light.hidden",
        "name": "Hidden",
        "hidden": True,
        "mqtt": {"type": "zigbee2mqtt", "topic": "z/H"},
    },
)


@pytest.fixture
def adapters() -> AdapterSet:
    return AdapterSet.from_registry(registry_of(*HOME))


def test_subscriptions_are_listed_once(adapters: AdapterSet) -> None:
    topics = adapters.subscriptions()
    assert len(topics) == len(set(topics))
    assert {"z/K", "z/K/availability", "z/S", "tele/plug/LWT", "stat/plug/POWER"} <= set(topics)
    assert not any("#" in t or "+" in t for t in topics)


def test_only_mqtt_devices_have_adapters(adapters: AdapterSet) -> None:
    assert adapters.has_adapter("light.kitchen")
    assert not adapters.has_adapter("light.virtual")
    assert not adapters.has_adapter("light.hidden")
    assert not adapters.has_adapter("light.unknown")


def test_allowed_topics_cover_commands_but_not_sensors_or_hidden(adapters: AdapterSet) -> None:
    allowed = adapters.allowed_topics()
    assert {"z/K/set", "cmnd/plug/POWER", "pump/set"} <= allowed
    assert "z/S/set" not in allowed
    assert "z/H/set" not in allowed
    assert not any(t.startswith("cmnd/plug/Dimmer") for t in allowed)


def test_a_topic_shared_by_two_kinds_of_adapter(adapters: AdapterSet) -> None:
    updates = adapters.decode("z/K", b'{"state": "ON", "brightness": 1}')
    assert [u.entity_id for u in updates] == ["light.kitchen", "switch.pump"]


def test_bad_payload_on_a_shared_topic_keeps_what_could_be_read(adapters: AdapterSet) -> None:
    # the Home Assistant switch reads plain text; the Zigbee2MQTT light wants JSON
    updates = adapters.decode("z/K", b"ON")
    assert updates == [StateUpdate("switch.pump", "on", {})]


def test_bad_payload_nobody_can_read_raises(adapters: AdapterSet) -> None:
    with pytest.raises(PayloadError):
        adapters.decode("z/S", b"\xff\xfe")


def test_unknown_topics_say_nothing(adapters: AdapterSet) -> None:
    assert adapters.decode("somewhere/else", b"\x00") == []


def test_oversize_payload_is_refused_unread(adapters: AdapterSet) -> None:
    with pytest.raises(PayloadError, match="exceeds"):
        adapters.decode("z/S", b"{" + b" " * 70_000 + b"}")


def test_encode_needs_no_registry_lookups_for_state(adapters: AdapterSet) -> None:
    call = ServiceCall(service="switch.toggle", entity_id="switch.pump")
    assert adapters.encode(call, EntityState("on"))[0].payload == b"OFF"
    assert adapters.encode(call, EntityState("off"))[0].payload == b"ON"
