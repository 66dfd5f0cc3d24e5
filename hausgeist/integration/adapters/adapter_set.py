"""All device adapters of one home, looked up by entity and by topic."""

from __future__ import annotations

from collections.abc import Iterable

from hausgeist.config.models import (
    GenericDevice,
    HomeAssistantMqttDevice,
    TasmotaDevice,
    Zigbee2MqttDevice,
)
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import EntityState
from hausgeist.errors import IntegrationError, PayloadError
from hausgeist.integration.adapters.base import DeviceAdapter, Publish, StateUpdate
from hausgeist.integration.adapters.generic import GenericAdapter
from hausgeist.integration.adapters.homeassistant import HomeAssistantMqttAdapter
from hausgeist.integration.adapters.tasmota import TasmotaAdapter
from hausgeist.integration.adapters.zigbee2mqtt import Zigbee2MqttAdapter


def adapter_for(device: Device) -> DeviceAdapter | None:
    """The adapter of ``device``'s ``mqtt`` settings; None for a virtual device."""
    config = device.mqtt
    if isinstance(config, Zigbee2MqttDevice):
        return Zigbee2MqttAdapter(device, config)
    if isinstance(config, TasmotaDevice):
        return TasmotaAdapter(device, config)
    if isinstance(config, HomeAssistantMqttDevice):
        return HomeAssistantMqttAdapter(device, config)
    if isinstance(config, GenericDevice):
        return GenericAdapter(device, config)
    return None


class AdapterSet:
    """Every entity reached over MQTT: calls out by entity id, messages in by topic."""

    def __init__(self, adapters: Iterable[DeviceAdapter]) -> None:
        self._by_entity: dict[str, DeviceAdapter] = {a.entity_id: a for a in adapters}
        self._by_topic: dict[str, list[DeviceAdapter]] = {}
        for adapter in self._by_entity.values():
            for topic in adapter.subscriptions():
                self._by_topic.setdefault(topic, []).append(adapter)

    @classmethod
    def from_registry(cls, registry: DeviceRegistry) -> AdapterSet:
        """Adapters of every visible device that has ``mqtt`` settings."""
        adapters = (adapter_for(device) for device in registry)
        return cls(a for a in adapters if a is not None)

    def subscriptions(self) -> list[str]:
        """Every topic to subscribe to, once, in a stable order."""
        return list(self._by_topic)

    def allowed_topics(self) -> frozenset[str]:
        """Every topic the agent may publish to for devices."""
        return frozenset(t for a in self._by_entity.values() for t in a.publish_topics())

    def has_adapter(self, entity_id: str) -> bool:
        """Whether ``entity_id`` is reached over MQTT (False: virtual or unknown)."""
        return entity_id in self._by_entity

    def encode(self, call: ServiceCall, current: EntityState) -> list[Publish]:
        """The messages that carry out ``call``; IntegrationError when it cannot be sent."""
        adapter = self._by_entity.get(call.entity_id)
        if adapter is None:
            raise IntegrationError(
                f"{call.entity_id} has no mqtt settings: it is a virtual device, nothing to send"
            )
        return adapter.encode(call, current)

    def decode(self, topic: str, payload: bytes) -> list[StateUpdate]:
        """What one message says, for every entity on ``topic`` (several may share one).

        PayloadError only when no entity could read it; entities that could are kept."""
        updates: list[StateUpdate] = []
        errors: list[PayloadError] = []
        for adapter in self._by_topic.get(topic, ()):
            try:
                updates.extend(adapter.decode(topic, payload))
            except PayloadError as err:
                errors.append(err)
        if errors and not updates:
            raise errors[0]
        return updates
