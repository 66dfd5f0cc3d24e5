"""End to end over a real Mosquitto: an encoded service call goes out, the device answers,
the decoded state change comes back. Zigbee2MQTT devices are the simulator's; Tasmota, Home
Assistant and generic devices are tiny fakes in the test."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiomqtt
import pytest
from adapter_helpers import Broker, registry_of

from hausgeist.devices import EntityState, ServiceCall
from hausgeist.integration.adapters import AdapterSet, StateUpdate
from hausgeist.integration.simulator import SimulatedHome

pytestmark = pytest.mark.mqtt
Reply = Callable[[aiomqtt.Client, aiomqtt.Message], Awaitable[None]]


@contextlib.asynccontextmanager
async def _client(broker: Broker) -> AsyncIterator[aiomqtt.Client]:
    async with aiomqtt.Client(broker.host, broker.port, identifier=uuid.uuid4().hex) as client:
        yield client


@contextlib.asynccontextmanager
async def _running(job: Awaitable[None]) -> AsyncIterator[None]:
    task = asyncio.ensure_future(job)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _fake_device(broker: Broker, topic: str, reply: Reply, ready: asyncio.Event) -> None:
    async with _client(broker) as client:
        await client.subscribe(topic, qos=1)
        ready.set()
        async for message in client.messages:
            await reply(client, message)


async def _agent_sees(
    broker: Broker,
    adapters: AdapterSet,
    call: ServiceCall,
    current: EntityState,
    want: str,
    attributes: dict[str, Any] | None = None,
) -> StateUpdate:
    """Publish ``call`` and wait for the entity to report state ``want`` and ``attributes``."""
    wanted = (attributes or {}).items()
    async with _client(broker) as client:
        for topic in adapters.subscriptions():
            await client.subscribe(topic, qos=1)
        for publish in adapters.encode(call, current):
            await client.publish(publish.topic, publish.payload, qos=publish.qos)
        async with asyncio.timeout(5):
            async for message in client.messages:
                payload = message.payload if isinstance(message.payload, bytes) else b""
                for update in adapters.decode(str(message.topic), payload):
                    if (
                        update.entity_id == call.entity_id
                        and update.state == want
                        and wanted <= update.attributes.items()
                    ):
                        return update
    pytest.fail("no state update")  # pragma: no cover


def _unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


@pytest.fixture
def z2m_home() -> dict[str, Any]:
    base = f"zigbee2mqtt/{uuid.uuid4().hex[:6]}"
    devices = [
        {"id": "light.kitchen", "name": "Kitchen Light", "state": "off",
         "mqtt": {"type": "zigbee2mqtt", "topic": f"{base}/Kitchen Light"}},
        {"id": "cover.blind", "name": "Blind", "state": "closed",
         "attributes": {"current_position": 0},
         "mqtt": {"type": "zigbee2mqtt", "topic": f"{base}/Blind"}},
        {"id": "lock.front_door", "name": "Front Door", "state": "locked",
         "mqtt": {"type": "zigbee2mqtt", "topic": f"{base}/Front Door"}},
        {"id": "media_player.tv", "name": "TV", "state": "playing",
         "mqtt": {"type": "zigbee2mqtt", "topic": f"{base}/TV"}},
        {"id": "sensor.hall_temperature", "name": "Hall temperature", "state": "20.5",
         "device_class": "temperature", "mqtt": {"type": "zigbee2mqtt", "topic": f"{base}/Hall"}},
    ]  # fmt: skip
    return {"registry": registry_of(*devices), "base": base}


@pytest.mark.parametrize(
    ("call", "before", "want", "attributes"),
    [
        (
            ("light.turn_on", "light.kitchen", {"brightness_pct": 40}),
            "off",
            "on",
            {"brightness": 102},
        ),
        (
            ("cover.set_cover_position", "cover.blind", {"position": 30}),
            "closed",
            "open",
            {"current_position": 30},
        ),
        (("lock.unlock", "lock.front_door", {}), "locked", "unlocked", {}),
        (
            ("media_player.volume_set", "media_player.tv", {"volume_level": 0.3}),
            "playing",
            "playing",
            {"volume_level": 0.3},
        ),
    ],
    ids=["light", "cover", "lock", "media_player"],
)
async def test_zigbee2mqtt_simulated_device_answers(
    broker: Broker,
    z2m_home: dict[str, Any],
    call: tuple[str, str, dict[str, Any]],
    before: str,
    want: str,
    attributes: dict[str, Any],
) -> None:
    home = SimulatedHome(z2m_home["registry"], broker.host, broker.port, identifier=_unique("sim"))
    adapters = AdapterSet.from_registry(z2m_home["registry"])
    async with _running(home.run()):
        await asyncio.wait_for(home.wait_ready(), 5)
        service_call = ServiceCall(service=call[0], entity_id=call[1], data=call[2])
        await _agent_sees(broker, adapters, service_call, EntityState(before), want, attributes)
    assert home.states.get(call[1]).state == want


async def test_simulator_publishes_retained_state_and_availability(
    broker: Broker, z2m_home: dict[str, Any]
) -> None:
    home = SimulatedHome(z2m_home["registry"], broker.host, broker.port, identifier=_unique("sim"))
    async with _running(home.run()):
        await asyncio.wait_for(home.wait_ready(), 5)
        await home.report("sensor.hall_temperature", "22.5")
        topic = f"{z2m_home['base']}/Hall"
        seen: dict[str, bytes] = {}
        async with _client(broker) as client:
            await client.subscribe(topic, qos=1)
            await client.subscribe(f"{topic}/availability", qos=1)
            async with asyncio.timeout(5):
                async for message in client.messages:
                    seen[str(message.topic)] = bytes(message.payload)
                    if len(seen) == 2 and json.loads(seen[topic]) == {"temperature": 22.5}:
                        break
    assert seen[f"{topic}/availability"] == b"online"


async def test_simulator_ignores_garbage_commands(broker: Broker, z2m_home: dict[str, Any]) -> None:
    home = SimulatedHome(z2m_home["registry"], broker.host, broker.port, identifier=_unique("sim"))
    adapters = AdapterSet.from_registry(z2m_home["registry"])
    async with _running(home.run()):
        await asyncio.wait_for(home.wait_ready(), 5)
        async with _client(broker) as client:
            await client.publish(f"{z2m_home['base']}/Kitchen Light/set", b"\xff not json")
            await client.publish(f"{z2m_home['base']}/Kitchen Light/set", b'{"state": 5}')
        call = ServiceCall(service="light.turn_on", entity_id="light.kitchen")
        await _agent_sees(broker, adapters, call, EntityState("off"), "on")


async def test_tasmota_device_answers(broker: Broker) -> None:
    topic = uuid.uuid4().hex[:8]
    registry = registry_of(
        {"id": "switch.plug", "name": "Plug", "mqtt": {"type": "tasmota", "topic": topic}}
    )

    async def reply(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        power = bytes(message.payload).decode()
        await client.publish(f"stat/{topic}/RESULT", json.dumps({"POWER": power}).encode())

    ready = asyncio.Event()
    async with _running(_fake_device(broker, f"cmnd/{topic}/POWER", reply, ready)):
        await asyncio.wait_for(ready.wait(), 5)
        call = ServiceCall(service="switch.turn_on", entity_id="switch.plug")
        await _agent_sees(
            broker, AdapterSet.from_registry(registry), call, EntityState("off"), "on"
        )


async def test_homeassistant_json_light_answers(broker: Broker) -> None:
    base = uuid.uuid4().hex[:8]
    mqtt = {"type": "homeassistant", "schema": "json", "command_topic": f"{base}/set",
            "state_topic": f"{base}/state"}  # fmt: skip
    registry = registry_of({"id": "light.desk", "name": "Desk", "mqtt": mqtt})

    async def reply(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        command = json.loads(bytes(message.payload))
        await client.publish(f"{base}/state", json.dumps(command).encode())

    ready = asyncio.Event()
    async with _running(_fake_device(broker, f"{base}/set", reply, ready)):
        await asyncio.wait_for(ready.wait(), 5)
        call = ServiceCall(
            service="light.turn_on", entity_id="light.desk", data={"brightness_pct": 20}
        )
        update = await _agent_sees(
            broker, AdapterSet.from_registry(registry), call, EntityState("off"), "on"
        )
    assert update.attributes["brightness"] == 51


async def test_generic_device_answers(broker: Broker) -> None:
    base = uuid.uuid4().hex[:8]
    mqtt = {
        "type": "generic",
        "commands": {"turn_on": {"topic": f"{base}/cmd", "payload": '{{"power": "{state}"}}'}},
        "state_topic": f"{base}/state",
        "state_template": "power",
    }
    registry = registry_of({"id": "switch.heater", "name": "Heater", "mqtt": mqtt})

    async def reply(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        await client.publish(f"{base}/state", bytes(message.payload))

    ready = asyncio.Event()
    async with _running(_fake_device(broker, f"{base}/cmd", reply, ready)):
        await asyncio.wait_for(ready.wait(), 5)
        call = ServiceCall(service="switch.turn_on", entity_id="switch.heater")
        await _agent_sees(
            broker, AdapterSet.from_registry(registry), call, EntityState("off"), "on"
        )
