"""The Zigbee2MQTT adapter: JSON commands on ``<topic>/set``, JSON state on ``<topic>``,
``online``/``offline`` on ``<topic>/availability``."""

from __future__ import annotations

from hausgeist.config.models import Zigbee2MqttDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device
from hausgeist.devices.state import EntityState
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.base import Publish, StateUpdate
from hausgeist.integration.adapters.payload import availability, dump, json_object
from hausgeist.integration.adapters.zigbee2mqtt_commands import z2m_command
from hausgeist.integration.adapters.zigbee2mqtt_keys import Z2mEntity
from hausgeist.integration.adapters.zigbee2mqtt_state import read_state

_READ_ONLY = frozenset({"sensor", "binary_sensor"})


class Zigbee2MqttAdapter:
    """Drives one entity of a Zigbee2MQTT device (contract §4)."""

    def __init__(self, device: Device, config: Zigbee2MqttDevice) -> None:
        self._entity = Z2mEntity.of(device, config)
        self._set = f"{self._entity.topic}/set"
        self._availability = f"{self._entity.topic}/availability"

    @property
    def entity_id(self) -> str:
        """The entity it drives."""
        return self._entity.entity_id

    def subscriptions(self) -> list[str]:
        """The state topic and the availability topic."""
        return [self._entity.topic, self._availability]

    def publish_topics(self) -> frozenset[str]:
        """Only ``<topic>/set``; nothing for sensors."""
        return frozenset() if self._entity.domain in _READ_ONLY else frozenset({self._set})

    def encode(self, call: ServiceCall, current: EntityState) -> list[Publish]:
        """One JSON message on ``<topic>/set``."""
        if self._entity.domain in _READ_ONLY:
            raise IntegrationError(f"{self.entity_id} is a sensor: it can only be read")
        return [Publish(self._set, dump(z2m_command(call, current, self._entity)))]

    def decode(self, topic: str, payload: bytes) -> list[StateUpdate]:
        """The entity's state from ``<topic>``, its availability from ``<topic>/availability``."""
        if topic == self._availability:
            return [StateUpdate(self.entity_id, None, {}, availability(payload, topic))]
        if topic != self._entity.topic:
            return []
        reading = read_state(self._entity, json_object(payload, topic))
        if reading is None:
            return []
        state, attrs = reading
        return [StateUpdate(self.entity_id, state, attrs)]
