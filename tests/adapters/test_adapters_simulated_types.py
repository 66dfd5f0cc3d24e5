"""The simulated home answers in every adapter's dialect, over a real Mosquitto: a call the
agent's adapter encodes reaches the simulated device, and the state the device publishes,
decoded by the same adapter, is the state the call leads to. (``hausgeist demo`` had
simulated only Zigbee2MQTT devices: a Tasmota coffee machine never reported back.)"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiomqtt
import pytest
from adapter_helpers import Broker, registry_of

from hausgeist.devices import ServiceCall, StateStore
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.integration.adapters import AdapterSet
from hausgeist.integration.simulator import SimulatedHome
from hausgeist.integration.state_feed import apply_updates

pytestmark = pytest.mark.mqtt

P = uuid.uuid4().hex[:6]
"""A prefix of this run's topics, so that retained messages of other runs never answer."""
DEVICES: list[dict[str, Any]] = [
    # Tasmota: relays, a dimmable light on a second relay of the same board, fan, shutter
    {"id": "switch.coffee", "name": "Coffee", "state": "off",
     "mqtt": {"type": "tasmota", "topic": f"{P}_kitchen", "relay": 1}},
    {"id": "light.counter", "name": "Counter", "state": "off",
     "attributes": {"brightness": 0, "supported_color_modes": ["color_temp"]},
     "mqtt": {"type": "tasmota", "topic": f"{P}_kitchen", "relay": 2}},
    {"id": "fan.ceiling", "name": "Ceiling Fan", "state": "off", "attributes": {"percentage": 0},
     "mqtt": {"type": "tasmota", "topic": f"{P}_fan"}},
    {"id": "cover.shutter", "name": "Shutter", "state": "closed",
     "attributes": {"current_position": 0}, "mqtt": {"type": "tasmota", "topic": f"{P}_shutter"}},
    {"id": "valve.garden", "name": "Garden", "state": "closed",
     "mqtt": {"type": "tasmota", "topic": f"{P}_garden"}},
    {"id": "sensor.bath_humidity", "name": "Bath Humidity", "state": "50",
     "device_class": "humidity",
     "mqtt": {"type": "tasmota", "topic": f"{P}_bath", "sensor": "AM2301.Humidity"}},
    # Home Assistant MQTT: default and JSON schema, words, numbers, modes
    {"id": "light.desk", "name": "Desk", "state": "off", "attributes": {"brightness": 0},
     "mqtt": {"type": "homeassistant", "command_topic": f"{P}/desk/set",
              "state_topic": f"{P}/desk/state", "brightness_command_topic": f"{P}/desk/bri/set",
              "brightness_state_topic": f"{P}/desk/bri", "brightness_scale": 100}},
    {"id": "light.strip", "name": "Strip", "state": "off",
     "attributes": {"supported_color_modes": ["rgb"]},
     "mqtt": {"type": "homeassistant", "schema": "json", "command_topic": f"{P}/strip/set",
              "state_topic": f"{P}/strip/state"}},
    {"id": "switch.heater", "name": "Heater", "state": "off",
     "mqtt": {"type": "homeassistant", "command_topic": f"{P}/heater/set",
              "state_topic": f"{P}/heater/state", "payload_on": "1", "payload_off": "0"}},
    {"id": "lock.shed", "name": "Shed", "state": "unlocked",
     "mqtt": {"type": "homeassistant", "command_topic": f"{P}/shed/set",
              "state_topic": f"{P}/shed/state"}},
    {"id": "cover.awning", "name": "Awning", "state": "closed",
     "attributes": {"current_position": 0},
     "mqtt": {"type": "homeassistant", "command_topic": f"{P}/awning/set",
              "set_position_topic": f"{P}/awning/position/set",
              "position_topic": f"{P}/awning/position", "state_topic": f"{P}/awning/state"}},
    {"id": "climate.loft", "name": "Loft", "state": "off",
     "attributes": {"temperature": 18, "hvac_modes": ["off", "heat"], "min_temp": 5,
                    "max_temp": 30},
     "mqtt": {"type": "homeassistant", "mode_command_topic": f"{P}/loft/mode/set",
              "mode_state_topic": f"{P}/loft/mode",
              "temperature_command_topic": f"{P}/loft/temp/set",
              "temperature_state_topic": f"{P}/loft/temp"}},
    # Generic: a JSON path, a template with a data value, one topic for on and off
    {"id": "switch.pump", "name": "Pump", "state": "off",
     "mqtt": {"type": "generic", "state_topic": f"{P}/pump/state", "state_template": "relay.power",
              "commands": {"turn_on": {"topic": f"{P}/pump/cmd", "payload": "{state}"},
                           "turn_off": {"topic": f"{P}/pump/cmd", "payload": "{state}"}}}},
    {"id": "media_player.radio", "name": "Radio", "state": "idle",
     "attributes": {"volume_level": 0.2},
     "mqtt": {"type": "generic", "state_topic": f"{P}/radio/state",
              "commands": {"media_play": {"topic": f"{P}/radio/cmd", "payload": "play"},
                           "media_pause": {"topic": f"{P}/radio/cmd", "payload": "pause"},
                           "volume_set": {"topic": f"{P}/radio/volume",
                                          "payload": '{{"level": {volume_level}}}'}}}},
]  # fmt: skip
CASES = [
    ("switch.turn_on", "switch.coffee", {}, "on", {}),
    ("light.turn_on", "light.counter", {"brightness_pct": 40, "color_temp_kelvin": 2700}, "on",
     {"brightness": 102, "color_temp_kelvin": 2703}),
    ("fan.set_percentage", "fan.ceiling", {"percentage": 66}, "on", {"percentage": 66}),
    ("cover.set_cover_position", "cover.shutter", {"position": 30}, "open",
     {"current_position": 30}),
    ("valve.open_valve", "valve.garden", {}, "open", {}),
    ("light.turn_on", "light.desk", {"brightness_pct": 20}, "on", {"brightness": 51}),
    ("light.turn_on", "light.strip", {"rgb_color": [255, 0, 0]}, "on", {"rgb_color": [255, 0, 0]}),
    ("switch.turn_on", "switch.heater", {}, "on", {}),
    ("lock.lock", "lock.shed", {}, "locked", {}),
    ("cover.set_cover_position", "cover.awning", {"position": 70}, "open",
     {"current_position": 70}),
    ("climate.set_temperature", "climate.loft", {"temperature": 21, "hvac_mode": "heat"},
     "heat", {"temperature": 21}),
    ("switch.turn_on", "switch.pump", {}, "on", {}),
    ("media_player.media_play", "media_player.radio", {}, "playing", {}),
    ("media_player.volume_set", "media_player.radio", {"volume_level": 0.5}, "idle",
     {"volume_level": 0.5}),
]  # fmt: skip
REGISTRY: DeviceRegistry = registry_of(*DEVICES)


@contextlib.asynccontextmanager
async def _home(broker: Broker) -> AsyncIterator[SimulatedHome]:
    home = SimulatedHome(REGISTRY, broker.host, broker.port, identifier=uuid.uuid4().hex)
    task = asyncio.ensure_future(home.run())
    try:
        await asyncio.wait_for(home.wait_ready(), 5)
        yield home
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _agent_reads(
    broker: Broker, call: ServiceCall | None, entity_id: str, want: str, attributes: dict[str, Any]
) -> dict[str, Any]:
    """Send ``call`` as the agent would and read the device's answers as the agent would,
    until ``entity_id`` is in state ``want`` with ``attributes``; the attributes read."""
    adapters = AdapterSet.from_registry(REGISTRY)
    states = StateStore.from_registry(REGISTRY)
    async with aiomqtt.Client(broker.host, broker.port, identifier=uuid.uuid4().hex) as client:
        for topic in adapters.subscriptions():
            await client.subscribe(topic, qos=1)
        await asyncio.sleep(0.3)  # the retained state of the start arrives first
        if call is not None:
            for publish in adapters.encode(call, states.get(entity_id)):
                await client.publish(publish.topic, publish.payload, qos=1)
        async with asyncio.timeout(5):
            async for message in client.messages:
                payload = message.payload if isinstance(message.payload, bytes) else b""
                apply_updates(states, adapters.decode(str(message.topic), payload))
                seen = states.get(entity_id)
                if seen.state == want and attributes.items() <= seen.attributes.items():
                    return dict(seen.attributes)
    pytest.fail("no such state")  # pragma: no cover


@pytest.mark.parametrize(
    ("service", "entity_id", "data", "want", "attributes"),
    CASES,
    ids=[f"{c[1]}-{c[0].partition('.')[2]}" for c in CASES],
)
async def test_each_adapter_type_is_simulated(
    broker: Broker,
    service: str,
    entity_id: str,
    data: dict[str, Any],
    want: str,
    attributes: dict[str, Any],
) -> None:
    async with _home(broker) as home:
        call = ServiceCall(service=service, entity_id=entity_id, data=data)
        await _agent_reads(broker, call, entity_id, want, attributes)
        assert home.states.get(entity_id).state == want


async def test_every_simulated_device_is_online_with_its_state(broker: Broker) -> None:
    async with _home(broker) as home:
        assert set(home.topics) == {d["id"] for d in DEVICES}
        await _agent_reads(broker, None, "sensor.bath_humidity", "50", {})
        await _agent_reads(broker, None, "climate.loft", "off", {"temperature": 18})


async def test_a_sensor_reports_in_its_own_dialect(broker: Broker) -> None:
    async with _home(broker) as home:
        await home.report("sensor.bath_humidity", "61")
        await _agent_reads(broker, None, "sensor.bath_humidity", "61", {})


async def test_commands_for_another_relay_or_nonsense_change_nothing(broker: Broker) -> None:
    async with _home(broker) as home:
        async with aiomqtt.Client(broker.host, broker.port, identifier=uuid.uuid4().hex) as client:
            await client.publish(f"cmnd/{P}_kitchen/POWER3", b"ON", qos=1)
            await client.publish(f"cmnd/{P}_kitchen/Dimmer", b"\xff", qos=1)
            await client.publish(f"{P}/pump/cmd", b"maybe", qos=1)
            await client.publish(f"{P}/shed/set", b"EXPLODE", qos=1)
        await _agent_reads(
            broker, ServiceCall(service="switch.turn_on", entity_id="switch.heater"),
            "switch.heater", "on", {},
        )  # fmt: skip
        assert home.states.get("switch.coffee").state == "off"
        assert home.states.get("light.counter").state == "off"
        assert home.states.get("switch.pump").state == "off"
        assert home.states.get("lock.shed").state == "unlocked"
