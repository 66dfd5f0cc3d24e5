"""The device side of Zigbee2MQTT (what the simulator runs): commands the adapter sends come
back as the same effect, and the state a device publishes reads back as the same state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from adapter_helpers import device_of

from hausgeist.config.models import Zigbee2MqttDevice
from hausgeist.devices import EntityState, ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.integration.adapters import Zigbee2MqttAdapter
from hausgeist.integration.adapters.zigbee2mqtt_device import calls_of_set, state_message
from hausgeist.integration.adapters.zigbee2mqtt_keys import Z2mEntity
from hausgeist.integration.adapters.zigbee2mqtt_state import read_state

ROUND_TRIPS = [
    ("light.a", "light.turn_on", {"brightness_pct": 40}, ("off", {})),
    ("light.a", "light.turn_on", {"brightness": 255}, ("off", {})),
    ("light.a", "light.turn_on", {"color_temp_kelvin": 2500}, ("on", {"brightness": 10})),
    ("light.a", "light.turn_on", {"rgb_color": [255, 10, 0]}, ("on", {})),
    ("light.a", "light.turn_on", {"brightness_step_pct": 10}, ("on", {"brightness": 100})),
    ("light.a", "light.turn_off", {}, ("on", {"brightness": 100})),
    ("light.a", "light.toggle", {}, ("on", {})),
    ("switch.a", "switch.turn_on", {}, ("off", {})),
    ("switch.a", "switch.toggle", {}, ("on", {})),
    ("input_boolean.a", "input_boolean.turn_off", {}, ("on", {})),
    ("cover.a", "cover.open_cover", {}, ("closed", {"current_position": 0})),
    ("cover.a", "cover.close_cover", {}, ("open", {"current_position": 100})),
    ("cover.a", "cover.set_cover_position", {"position": 35}, ("open", {})),
    ("cover.a", "cover.set_cover_tilt_position", {"tilt_position": 35}, ("open", {})),
    ("cover.a", "cover.stop_cover", {}, ("opening", {})),
    ("valve.a", "valve.open_valve", {}, ("closed", {})),
    ("valve.a", "valve.set_valve_position", {"position": 20}, ("closed", {})),
    ("lock.a", "lock.lock", {}, ("unlocked", {})),
    ("lock.a", "lock.unlock", {}, ("locked", {})),
    ("climate.a", "climate.set_temperature", {"temperature": 22.5}, ("heat", {})),
    ("climate.a", "climate.set_hvac_mode", {"hvac_mode": "off"}, ("heat", {})),
    ("fan.a", "fan.set_percentage", {"percentage": 66}, ("off", {})),
    ("fan.a", "fan.turn_off", {}, ("on", {"percentage": 33})),
    ("fan.a", "fan.set_preset_mode", {"preset_mode": "auto"}, ("on", {})),
    ("media_player.a", "media_player.volume_set", {"volume_level": 0.25}, ("playing", {})),
    ("media_player.a", "media_player.media_pause", {}, ("playing", {})),
    ("vacuum.a", "vacuum.start", {}, ("docked", {})),
    ("alarm_control_panel.a", "alarm_control_panel.alarm_arm_away", {}, ("disarmed", {})),
    ("todo.a", "todo.add_item", {"item": "milk"}, ("0", {})),
    ("humidifier.a", "humidifier.set_humidity", {"humidity": 40}, ("on", {})),
    ("water_heater.a", "water_heater.set_temperature", {"temperature": 50}, ("eco", {})),
]


def _entity(entity_id: str, **config: Any) -> Z2mEntity:
    mqtt = {"type": "zigbee2mqtt", "topic": "zigbee2mqtt/T", **config}
    device = device_of({"id": entity_id, "name": "T", "mqtt": mqtt})
    return Z2mEntity.of(device, Zigbee2MqttDevice.model_validate(mqtt))


@pytest.mark.parametrize(
    ("entity_id", "service", "data", "before"), ROUND_TRIPS, ids=[r[1] for r in ROUND_TRIPS]
)
def test_a_sent_command_has_the_effect_of_the_call(
    entity_id: str, service: str, data: dict[str, Any], before: tuple[str, dict[str, Any]]
) -> None:
    entity = _entity(entity_id)
    mqtt = Zigbee2MqttDevice(type="zigbee2mqtt", topic="zigbee2mqtt/T")
    adapter = Zigbee2MqttAdapter(device_of({"id": entity_id, "name": "T"}), mqtt)
    call = ServiceCall(service=service, entity_id=entity_id, data=data)
    current = EntityState(*before)
    wanted = apply_call(call, current)
    message = json.loads(adapter.encode(call, current)[0].payload)
    got = current
    for device_call in calls_of_set(entity, message):
        got = EntityState(*apply_call(device_call, got))
    assert got.state == wanted[0]
    for key, value in wanted[1].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert got.attributes.get(key) == pytest.approx(value, abs=1), key  # 254 vs 255
        else:
            assert got.attributes.get(key) == value, key


@pytest.mark.parametrize(
    ("entity_id", "config", "state"),
    [
        (
            "light.a",
            {},
            ("on", {"brightness": 128, "color_temp_kelvin": 2703, "color_mode": "color_temp"}),
        ),
        ("light.a", {}, ("off", {"brightness": 3, "rgb_color": [1, 2, 3], "color_mode": "rgb"})),
        ("switch.a", {"endpoint": "l2"}, ("on", {})),
        ("cover.a", {}, ("open", {"current_position": 40, "current_tilt_position": 10})),
        ("cover.a", {}, ("closed", {})),
        ("valve.a", {}, ("open", {"current_position": 100})),
        ("lock.a", {}, ("locked", {})),
        ("climate.a", {}, ("heat", {"temperature": 21.5, "current_temperature": 19.0})),
        ("fan.a", {}, ("on", {"percentage": 66})),
        ("fan.a", {}, ("on", {"preset_mode": "auto"})),
        ("sensor.a", {"property": "temperature"}, ("21.5", {})),
        ("binary_sensor.a", {"property": "contact"}, ("on", {})),
        ("binary_sensor.a", {"property": "occupancy"}, ("off", {})),
        ("media_player.a", {}, ("paused", {"volume_level": 0.3, "is_volume_muted": False})),
        ("todo.a", {}, ("1", {"items": [{"summary": "milk", "status": "needs_action"}]})),
    ],
)
def test_the_published_state_reads_back(
    entity_id: str, config: dict[str, Any], state: tuple[str, dict[str, Any]]
) -> None:
    entity = _entity(entity_id, **config)
    message = json.loads(json.dumps(state_message(entity, EntityState(*state))))
    reading = read_state(entity, message)
    assert reading is not None
    assert reading[0] == state[0]
    for key, value in state[1].items():
        if key != "color_mode" or value != "rgb":
            assert reading[1].get(key) == value, key


def test_unknown_and_hostile_set_keys_are_ignored() -> None:
    entity = _entity("light.a")
    assert calls_of_set(entity, {"state": "EXPLODE", "brightness": "x", "color": 5}) == []
    assert calls_of_set(entity, {"temperature_calibration": 1}) == []
    assert calls_of_set(entity, {"state": "on"}) == [
        ServiceCall(service="light.turn_on", entity_id="light.a", data={})
    ]
    assert calls_of_set(_entity("media_player.a"), {"service": "../../etc", "data": {}}) == []
    assert calls_of_set(_entity("media_player.a"), {"service": 5}) == []
    assert calls_of_set(_entity("sensor.a"), {"state": "ON"}) == []


def test_endpoint_keys_belong_to_their_endpoint() -> None:
    first, second = _entity("switch.a", endpoint="l1"), _entity("switch.b", endpoint="l2")
    message = {"state_l2": "ON"}
    assert calls_of_set(first, message) == []
    assert [c.service for c in calls_of_set(second, message)] == ["switch.turn_on"]
