"""Devices described the way Home Assistant's MQTT discovery describes them.

Default schema: ``payload_on``/``payload_off`` on ``command_topic``, brightness, colour,
position, percentage, temperature and mode on their own ``*_command_topic``; JSON schema
(lights): one JSON object on ``command_topic``. State is read from the matching
``*_state_topic``/``*_topic`` keys, availability from ``availability_topic``."""

from __future__ import annotations

from hausgeist.config.models import HomeAssistantMqttDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device
from hausgeist.devices.state import EntityState
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.base import Publish, StateUpdate
from hausgeist.integration.adapters.homeassistant_commands import ha_commands
from hausgeist.integration.adapters.homeassistant_state import HaReader

COMMAND_KEYS = (
    "command_topic",
    "brightness_command_topic",
    "rgb_command_topic",
    "color_temp_command_topic",
    "set_position_topic",
    "percentage_command_topic",
    "temperature_command_topic",
    "mode_command_topic",
)


class HomeAssistantMqttAdapter:
    """Drives one entity configured with Home Assistant's MQTT keys."""

    def __init__(self, device: Device, config: HomeAssistantMqttDevice) -> None:
        self._device = device
        self._config = config
        self._reader = HaReader(device.domain, config)

    @property
    def entity_id(self) -> str:
        """The entity it drives."""
        return self._device.entity_id

    def subscriptions(self) -> list[str]:
        """The configured state, attribute and availability topics."""
        return self._reader.topics()

    def publish_topics(self) -> frozenset[str]:
        """The configured command topics."""
        topics = (getattr(self._config, key) for key in COMMAND_KEYS)
        return frozenset(t for t in topics if t)

    def encode(self, call: ServiceCall, current: EntityState) -> list[Publish]:
        """One message per command topic the call needs."""
        if not self._device.spec.services:
            raise IntegrationError(f"{self.entity_id} can only be read")
        out = []
        for key, payload in ha_commands(call, current, self._config):
            topic = getattr(self._config, key)
            if not topic:
                raise IntegrationError(
                    f"{call.service} needs '{key}' in the mqtt settings of {self.entity_id}"
                )
            out.append(Publish(topic, payload.encode()))
        return out

    def decode(self, topic: str, payload: bytes) -> list[StateUpdate]:
        """What one message on a configured topic says about the entity."""
        reading = self._reader.read(topic, payload)
        if reading is None:
            return []
        state, attrs, available = reading
        return [StateUpdate(self.entity_id, state, attrs, available)]
