"""A simulated home: every device of a registry behaves like a Zigbee2MQTT device.

Each device lives at its configured Zigbee2MQTT topic, or at ``zigbee2mqtt/<Device Name>``
when it is configured otherwise (or not at all). It takes commands on ``<topic>/set``,
carries them out with Home Assistant's semantics (``devices.effects``) and publishes its new
state, retained, on ``<topic>`` and ``online`` on ``<topic>/availability``. Used by
``hausgeist demo`` and by the end-to-end tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import aiomqtt

from hausgeist.config.models import Zigbee2MqttDevice
from hausgeist.devices.actions import validate_call
from hausgeist.devices.effects import apply_call
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import ActionError, IntegrationError, PayloadError
from hausgeist.integration.adapters.payload import dump, json_object
from hausgeist.integration.adapters.zigbee2mqtt_device import calls_of_set, state_message
from hausgeist.integration.adapters.zigbee2mqtt_keys import Z2mEntity

_LOG = logging.getLogger(__name__)


class SimulatedHome:
    """The devices of ``registry`` on the broker at ``host``:``port``, until cancelled."""

    def __init__(
        self,
        registry: DeviceRegistry,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        states: StateStore | None = None,
        identifier: str = "hausgeist-simulator",
    ) -> None:
        self.host, self.port, self._identifier = host, port, identifier
        self._registry = registry
        self.states = states if states is not None else StateStore.from_registry(registry)
        """What the simulated devices are in now."""
        self._by_topic: dict[str, list[Z2mEntity]] = {}
        for device in registry:
            config = device.mqtt
            if not isinstance(config, Zigbee2MqttDevice):
                topic = f"zigbee2mqtt/{device.name}"
                if topic in self._by_topic:  # two devices of one name, in different rooms
                    topic = f"{topic} ({device.entity_id})"
                config = Zigbee2MqttDevice(type="zigbee2mqtt", topic=topic)
            entity = Z2mEntity.of(device, config)
            if "+" in entity.topic or "#" in entity.topic:
                _LOG.warning(
                    "not simulating %s: topic %r has a wildcard", device.entity_id, entity.topic
                )
                continue
            self._by_topic.setdefault(entity.topic, []).append(entity)
        self._ready = asyncio.Event()
        self._client: aiomqtt.Client | None = None

    @property
    def topics(self) -> Mapping[str, str]:
        """The Zigbee2MQTT topic of every simulated entity."""
        return {e.entity_id: topic for topic, group in self._by_topic.items() for e in group}

    async def wait_ready(self) -> None:
        """Until subscribed and every device has published its state."""
        await self._ready.wait()

    async def run(self) -> None:
        """Serve commands until cancelled; IntegrationError when the broker cannot be reached."""
        try:
            async with aiomqtt.Client(self.host, self.port, identifier=self._identifier) as client:
                self._client = client
                for topic in self._by_topic:
                    await client.subscribe(f"{topic}/set", qos=1)
                    await client.publish(f"{topic}/availability", b"online", qos=1, retain=True)
                    await self._publish_state(topic)
                self._ready.set()
                async for message in client.messages:
                    await self._handle(str(message.topic), message.payload)
        except aiomqtt.MqttError as err:
            raise IntegrationError(
                f"simulator: broker {self.host}:{self.port} failed: {err}; is it running?"
            ) from err
        finally:
            self._ready.clear()
            self._client = None

    async def report(
        self, entity_id: str, state: str | None, attributes: Mapping[str, Any] | None = None
    ) -> None:
        """Make a device report a new state by itself (a sensor, a button pressed by hand)."""
        self.states.set(entity_id, state, attributes)
        topic = self.topics.get(entity_id)
        if topic is None:
            raise IntegrationError(f"simulator: no simulated device {entity_id}")
        await self._publish_state(topic)

    async def _handle(self, topic: str, payload: Any) -> None:
        base = topic.removesuffix("/set")
        raw = bytes(payload) if isinstance(payload, bytes | bytearray) else str(payload).encode()
        try:
            message = json_object(raw, topic)
        except PayloadError as err:
            _LOG.warning("simulator ignores a command: %s", err)
            return
        for entity in self._by_topic.get(base, []):
            for call in calls_of_set(entity, message):
                current = self.states.get(entity.entity_id)
                try:  # a device refuses what it cannot do, as the agent's validation would
                    valid = validate_call(call, self._registry, current.attributes)
                except ActionError as err:
                    _LOG.info("simulated %s refuses %s: %s", entity.entity_id, call, err)
                    continue
                state, attrs = apply_call(valid, current)
                self.states.set(entity.entity_id, state, attrs)
        await self._publish_state(base)

    async def _publish_state(self, topic: str) -> None:
        if self._client is None:
            return
        message: dict[str, Any] = {}
        for entity in self._by_topic.get(topic, []):
            message.update(state_message(entity, self.states.get(entity.entity_id)))
        clean = {k: v for k, v in message.items() if v is not None}
        await self._client.publish(topic, dump(clean), qos=1, retain=True)
