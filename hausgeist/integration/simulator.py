"""A simulated home: every device of a registry answers like the real one would.

Each device speaks the dialect of its ``mqtt`` settings (``simulated_devices``): it takes
commands where the agent sends them, carries them out with Home Assistant's semantics
(``devices.effects``) and publishes its new state, retained, where the agent reads it, and
``online`` on its availability topic. Used by ``hausgeist demo`` and by the end-to-end tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import aiomqtt

from hausgeist.devices.actions import validate_call
from hausgeist.devices.effects import apply_call
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import ActionError, IntegrationError, PayloadError
from hausgeist.integration.adapters.base import Publish
from hausgeist.integration.simulated_devices import simulated_devices

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
        self._devices = simulated_devices(registry)
        self._by_entity = {e: d for d in self._devices for e in d.entity_ids}
        self._ready = asyncio.Event()
        self._client: aiomqtt.Client | None = None

    @property
    def topics(self) -> Mapping[str, str]:
        """Where each simulated entity takes its commands (the first such topic)."""
        return {e: min(device.listens()) for e, device in self._by_entity.items()}

    async def wait_ready(self) -> None:
        """Until subscribed and every device has published its state."""
        await self._ready.wait()

    async def run(self) -> None:
        """Serve commands until cancelled; IntegrationError when the broker cannot be reached."""
        try:
            async with aiomqtt.Client(self.host, self.port, identifier=self._identifier) as client:
                self._client = client
                for device in self._devices:
                    for topic in device.listens():
                        await client.subscribe(topic, qos=1)
                    await self._publish([*device.online(), *device.messages(self.states)])
                self._ready.set()
                async for message in client.messages:
                    await self._handle(message.topic, message.payload)
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
        device = self._by_entity.get(entity_id)
        if device is None:
            raise IntegrationError(f"simulator: no simulated device {entity_id}")
        self.states.set(entity_id, state, attributes)
        await self._publish(device.messages(self.states))

    async def _handle(self, topic: Any, payload: Any) -> None:
        raw = bytes(payload) if isinstance(payload, bytes | bytearray) else str(payload).encode()
        for device in self._devices:
            if not any(_matches(str(topic), wanted) for wanted in device.listens()):
                continue
            try:
                calls = device.calls(str(topic), raw, self.states)
            except PayloadError as err:
                _LOG.warning("simulator ignores a command: %s", err)
                continue
            for call in calls:
                current = self.states.get(call.entity_id)
                try:  # a device refuses what it cannot do, as the agent's validation would
                    valid = validate_call(call, self._registry, current.attributes)
                except ActionError as err:
                    _LOG.info("simulated %s refuses %s: %s", call.entity_id, call, err)
                    continue
                state, attrs = apply_call(valid, current)
                self.states.set(call.entity_id, state, attrs)
            await self._publish(device.messages(self.states))

    async def _publish(self, messages: list[Publish]) -> None:
        if self._client is None:
            return
        task = asyncio.current_task()
        for message in messages:
            await self._client.publish(
                message.topic, message.payload, qos=message.qos, retain=message.retain
            )
            # Python 3.11's asyncio.wait_for (inside aiomqtt's publish) can swallow a cancel
            # that arrives as the PUBACK does; the task would then serve on, never ending.
            if task is not None and task.cancelling():
                raise asyncio.CancelledError


def _matches(topic: str, wanted: str) -> bool:
    """``topic`` is ``wanted``, or under it where ``wanted`` ends in a single-level ``+``."""
    if wanted.endswith("/+"):
        prefix = wanted[:-1]
        return topic.startswith(prefix) and "/" not in topic[len(prefix) :]
    return topic == wanted
