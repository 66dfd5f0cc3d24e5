"""What every device adapter offers the MQTT service loop: calls out, state in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.state import EntityState


@dataclass(frozen=True)
class Publish:
    """One MQTT message a device adapter wants sent."""

    topic: str
    """Where to send it (never a wildcard)."""
    payload: bytes
    """The bytes the device expects."""
    qos: int = 1
    """MQTT quality of service."""
    retain: bool = False
    """Whether the broker keeps it for later subscribers."""


@dataclass(frozen=True)
class StateUpdate:
    """What one device message says about one entity, in Home Assistant form."""

    entity_id: str
    """The entity it is about."""
    state: str | None
    """``on``/``off``, ``locked``, ``open``, ``21.5``...; None leaves the state as it is."""
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Home Assistant names and units (brightness 0-255, color_temp_kelvin, current_position)."""
    available: bool | None = None
    """Online or offline, from an availability topic; None when the message does not say."""


class DeviceAdapter(Protocol):
    """Speaks one entity's MQTT dialect (Zigbee2MQTT, Tasmota, Home Assistant, generic)."""

    @property
    def entity_id(self) -> str:
        """The entity it drives."""
        ...

    def subscriptions(self) -> list[str]:
        """Topics (no wildcards) that carry the entity's state and availability."""
        ...

    def publish_topics(self) -> frozenset[str]:
        """Every topic ``encode`` may publish to."""
        ...

    def encode(self, call: ServiceCall, current: EntityState) -> list[Publish]:
        """The messages that carry out ``call``; IntegrationError when it cannot be expressed."""
        ...

    def decode(self, topic: str, payload: bytes) -> list[StateUpdate]:
        """What a message on one of the subscriptions says; PayloadError when it is malformed."""
        ...
