"""The agent's Dispatcher over MQTT: actions become device publishes in the outbox.

The agent calls :meth:`MqttDispatcher.dispatch` from its worker thread. Nothing here
waits on the network: the publishes are stored (durable) and the service's sender is
woken (its :class:`~hausgeist.integration.sender.Doorbell`) to send them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextvars import ContextVar
from pathlib import Path

from hausgeist.config.models import MqttConfig
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import HausgeistError, IntegrationError
from hausgeist.integration.adapters.base import Publish
from hausgeist.integration.outbox import Outbox
from hausgeist.integration.ports import DeviceAdapters
from hausgeist.integration.sender import Doorbell
from hausgeist.integration.topics import PublishPolicy, Topics

log = logging.getLogger(__name__)

CURRENT_COMMAND: ContextVar[str | None] = ContextVar("hausgeist_mqtt_command", default=None)
"""The outbox key of the command being handled in this worker thread (None outside one)."""
OUTBOX_NAME = "mqtt-outbox.db"
"""The outbox's file in the data directory."""


class MqttDispatcher:
    """The agent's ``Dispatcher`` on MQTT: everything the service needs to carry actions out
    (outbox, device adapters, publish policy), opened once by the entry point."""

    def __init__(
        self,
        outbox: Outbox,
        adapters: DeviceAdapters,
        policy: PublishPolicy,
        states: StateStore,
        *,
        action_expiry_s: int,
    ) -> None:
        self.outbox = outbox
        """The durable outbox (the service sends and prunes it)."""
        self.adapters = adapters
        """The home's device adapters."""
        self.policy = policy
        """Where the agent may publish."""
        self.doorbell = Doorbell()
        """Rung when publishes were stored; the service's sender listens."""
        self._states = states
        self._action_expiry_s = action_expiry_s

    @classmethod
    def open(
        cls,
        mqtt: MqttConfig,
        registry: DeviceRegistry,
        states: StateStore,
        data_dir: Path,
        *,
        reply_topics: Sequence[str] = (),
        adapters: DeviceAdapters | None = None,
    ) -> MqttDispatcher:
        """The dispatcher of a home on ``mqtt``, its outbox in ``data_dir``."""
        if adapters is None:
            from hausgeist.integration.adapters import AdapterSet

            adapters = AdapterSet.from_registry(registry)
        policy = PublishPolicy.build(
            Topics(mqtt.base_topic), reply_topics, adapters.allowed_topics()
        )
        outbox = Outbox.open(data_dir / OUTBOX_NAME)
        return cls(outbox, adapters, policy, states, action_expiry_s=mqtt.action_expiry_s)

    def reaches(self, device: Device) -> bool:
        """The devices with an ``mqtt:`` section (the others are virtual)."""
        return device.mqtt is not None

    def dispatch(self, calls: Sequence[ServiceCall]) -> None:
        """Store the device publishes for ``calls``; IntegrationError if any cannot be sent."""
        publishes: list[Publish] = []
        for call in calls:
            if not self.adapters.has_adapter(call.entity_id):
                log.debug("%s has no MQTT device; nothing to send", call.entity_id)
                continue
            publishes.extend(self._encode(call))
        key = CURRENT_COMMAND.get()
        if not publishes and key is None:
            return
        self.outbox.record_dispatch(
            key,
            [c.as_json() for c in calls],
            publishes,
            expires=time.time() + self._action_expiry_s,
        )
        self.doorbell.ring()

    def _encode(self, call: ServiceCall) -> list[Publish]:
        try:
            publishes = self.adapters.encode(call, self._states.get(call.entity_id))
        except IntegrationError:
            raise
        except HausgeistError as exc:
            raise IntegrationError(f"cannot send {call}: {exc}") from exc
        for publish in publishes:
            if not self.policy.may_publish(publish.topic):
                raise IntegrationError(
                    f"refusing to publish {call} to {publish.topic!r}: the agent publishes only to"
                    " its base topic, allowed reply topics and its devices' topics"
                )
        return publishes
