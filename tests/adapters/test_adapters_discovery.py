"""Discovery: config entries from Zigbee2MQTT's bridge/devices and Home Assistant discovery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from adapter_helpers import load_cases

from hausgeist.config.models import Config
from hausgeist.devices import DeviceRegistry, EntityState, ServiceCall
from hausgeist.errors import PayloadError
from hausgeist.integration.adapters import AdapterSet
from hausgeist.integration.discovery import devices_from_ha_discovery, devices_from_z2m_bridge

BRIDGE = (Path(__file__).parent / "cases" / "z2m_bridge_devices.json").read_bytes()


@pytest.fixture(scope="module")
def z2m() -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in devices_from_z2m_bridge(BRIDGE, area_hint="hall")}


def test_z2m_devices_become_entities(z2m: dict[str, dict[str, Any]]) -> None:
    assert set(z2m) == {
        "light.living_room_lamp",
        "light.kuche_decke",
        "sensor.bathroom_sensor_battery",
        "sensor.bathroom_sensor_temperature",
        "sensor.bathroom_sensor_humidity",
        "sensor.bathroom_sensor_pressure",
        "binary_sensor.front_door_contact",
        "sensor.front_door_battery",
        "binary_sensor.hall_motion_occupancy",
        "sensor.hall_motion_illuminance",
        "switch.wall_switch_left",
        "switch.wall_switch_right",
        "climate.bedroom_trv",
        "sensor.bedroom_trv_battery",
        "cover.office_blind",
        "lock.back_door_lock",
        "fan.ceiling_fan",
    }


def test_z2m_light_colour_modes_and_range(z2m: dict[str, dict[str, Any]]) -> None:
    lamp = z2m["light.living_room_lamp"]
    assert lamp["name"] == "Living Room Lamp"
    assert lamp["area"] == "hall"
    assert lamp["mqtt"] == {"type": "zigbee2mqtt", "topic": "zigbee2mqtt/Living Room Lamp"}
    assert lamp["attributes"] == {
        "supported_color_modes": ["color_temp"],
        "min_color_temp_kelvin": 2203,
        "max_color_temp_kelvin": 4000,
    }
    assert z2m["light.kuche_decke"]["attributes"]["supported_color_modes"] == [
        "xy",
        "hs",
        "color_temp",
    ]


def test_z2m_readings_and_flags(z2m: dict[str, dict[str, Any]]) -> None:
    temperature = z2m["sensor.bathroom_sensor_temperature"]
    assert temperature["device_class"] == "temperature"
    assert temperature["attributes"] == {"unit_of_measurement": "°C"}
    assert temperature["mqtt"]["property"] == "temperature"
    assert z2m["binary_sensor.front_door_contact"]["device_class"] == "door"


def test_z2m_endpoints_thermostat_fan(z2m: dict[str, dict[str, Any]]) -> None:
    assert z2m["switch.wall_switch_right"]["mqtt"]["endpoint"] == "right"
    trv = z2m["climate.bedroom_trv"]
    assert trv["mqtt"]["property"] == "current_heating_setpoint"
    assert trv["attributes"] == {
        "min_temp": 5,
        "max_temp": 30,
        "hvac_modes": ["off", "auto", "heat"],
    }
    assert z2m["fan.ceiling_fan"]["attributes"] == {"preset_modes": ["auto", "smart"]}
    assert z2m["cover.office_blind"]["attributes"] == {"current_position": None}


def test_z2m_entries_load_and_drive_their_devices(z2m: dict[str, dict[str, Any]]) -> None:
    config = Config.model_validate(
        {"areas": [{"id": "hall", "name": "Hall"}], "devices": list(z2m.values())}
    )
    adapters = AdapterSet.from_registry(DeviceRegistry.from_config(config))
    call = ServiceCall(service="switch.turn_on", entity_id="switch.wall_switch_left")
    publish = adapters.encode(call, EntityState("off"))[0]
    assert (publish.topic, json.loads(publish.payload)) == (
        "zigbee2mqtt/Wall Switch/set",
        {"state_left": "ON"},
    )
    updates = adapters.decode(
        "zigbee2mqtt/Bathroom Sensor", b'{"temperature": 22.1, "humidity": 48, "battery": 91}'
    )
    states = {u.entity_id: u.state for u in updates}
    assert states["sensor.bathroom_sensor_temperature"] == "22.1"
    assert states["sensor.bathroom_sensor_battery"] == "91"
    door = adapters.decode("zigbee2mqtt/Front Door", b'{"contact": false}')
    assert [u.state for u in door if u.entity_id.startswith("binary")] == ["on"]


def test_z2m_duplicate_names_get_unique_ids() -> None:
    device = {"friendly_name": "Lamp", "definition": {"exposes": [{"type": "light"}]}}
    payload = json.dumps([device, {**device, "friendly_name": "lamp"}]).encode()
    assert [e["id"] for e in devices_from_z2m_bridge(payload)] == ["light.lamp", "light.lamp_2"]


@pytest.mark.parametrize("payload", [b"{}", b"not json", b'"devices"'])
def test_z2m_payload_that_is_no_device_list(payload: bytes) -> None:
    with pytest.raises(PayloadError):
        devices_from_z2m_bridge(payload)


HA_CASES = load_cases("ha_discovery")


@pytest.mark.parametrize("case", HA_CASES)
def test_ha_discovery(case: dict[str, Any]) -> None:
    payload = json.dumps(case["payload"]).encode()
    assert devices_from_ha_discovery(case["topic"], payload) == case["entry"]


def _ha_case(topic: str) -> tuple[str, bytes]:
    case = next(c.values[0] for c in HA_CASES if c.values[0]["topic"] == topic)
    return topic, json.dumps(case["payload"]).encode()


def test_ha_discovered_contact_reads_inverted_payloads() -> None:
    entry = devices_from_ha_discovery(*_ha_case("homeassistant/binary_sensor/door/contact/config"))
    assert entry is not None
    config = Config.model_validate({"devices": [entry]})
    adapters = AdapterSet.from_registry(DeviceRegistry.from_config(config))
    [update] = adapters.decode("zigbee2mqtt/Front Door", b'{"contact": true}')
    assert update.state == "off"


def test_ha_discovery_area_hint() -> None:
    topic, payload = _ha_case("homeassistant/cover/garage/config")
    entry = devices_from_ha_discovery(topic, payload, area_hint="garage")
    assert entry is not None
    assert entry["area"] == "garage"


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("homeassistant/button/reboot/config", b'{"command_topic": "x"}'),
        ("homeassistant/light/kitchen/config", b""),
    ],
)
def test_ha_discovery_nothing_to_add(topic: str, payload: bytes) -> None:
    assert devices_from_ha_discovery(topic, payload) is None


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("homeassistant/light/config", b"{}"),
        ("homeassistant/light/x/state", b"{}"),
        ("homeassistant/light/x/config", b"[1]"),
        ("homeassistant/light/x/config", b"\xff"),
    ],
)
def test_ha_discovery_malformed(topic: str, payload: bytes) -> None:
    with pytest.raises(PayloadError):
        devices_from_ha_discovery(topic, payload)


def test_an_agents_own_announcements_are_no_devices() -> None:
    from hausgeist.integration.adapters.homeassistant_discovery import devices_from_ha_discovery
    from hausgeist.integration.ha_device import announcements
    from hausgeist.integration.topics import Topics

    for item in announcements(Topics("hausgeist"), "homeassistant", "hausgeist"):
        assert devices_from_ha_discovery(item.topic, item.payload) is None, item.topic
