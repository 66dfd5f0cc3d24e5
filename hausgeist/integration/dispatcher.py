"""The agent's Dispatcher over MQTT: actions become device publishes in the outbox.

The agent calls :meth:`MqttDispatcher.dispatch` from its worker thread. Nothing here
waits on the network: the publishes are stored (durable) and the service's event loop is
woken to send them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.state import StateStore
from hausgeist.errors import HausgeistError, IntegrationError
from hausgeist.integration.adapters.base import Publish
from hausgeist.integration.outbox import Outbox
from hausgeist.integration.ports import DeviceAdapters
from hausgeist.integration.topics import PublishPolicy

log = logging.getLogger(__name__)

CURRENT_COMMAND: ContextVar[str | None] = ContextVar("hausgeist_mqtt_command", default=None)
"""The outbox key of the command being handled in this worker thread (None outside one)."""


@dataclass(frozen=True)
class _Route:
    outbox: Outbox
    adapters: DeviceAdapters
    policy: PublishPolicy
    states: StateStore
    action_expiry_s: int
    wake: Callable[[], None]


class MqttDispatcher:
    """Hand it to ``Agent.build(dispatcher=...)``; the ``AgentService`` attaches it."""

    def __init__(self) -> None:
        self._route: _Route | None = None

    def attach(
        self,
        outbox: Outbox,
        adapters: DeviceAdapters,
        policy: PublishPolicy,
        states: StateStore,
        *,
        action_expiry_s: int,
        wake: Callable[[], None],
    ) -> None:
        """Route dispatched actions into ``outbox``; ``wake`` tells the sender (thread-safe)."""
        self._route = _Route(outbox, adapters, policy, states, action_expiry_s, wake)

    def dispatch(self, calls: Sequence[ServiceCall]) -> None:
        """Store the device publishes for ``calls``; IntegrationError if any cannot be sent."""
        route = self._route
        if route is None:
            raise IntegrationError("the MQTT service is not running; start it with `hausgeist run`")
        publishes: list[Publish] = []
        for call in calls:
            if not route.adapters.has_adapter(call.entity_id):
                log.debug("%s has no MQTT device; nothing to send", call.entity_id)
                continue
            publishes.extend(_encode(route, call))
        key = CURRENT_COMMAND.get()
        if not publishes and key is None:
            return
        route.outbox.record_dispatch(
            key,
            [c.as_json() for c in calls],
            publishes,
            expires=time.time() + route.action_expiry_s,
        )
        route.wake()


def _encode(route: _Route, call: ServiceCall) -> list[Publish]:
    try:
        publishes = route.adapters.encode(call, route.states.get(call.entity_id))
    except IntegrationError:
        raise
    except HausgeistError as exc:
        raise IntegrationError(f"cannot send {call}: {exc}") from exc
    for publish in publishes:
        if not route.policy.may_publish(publish.topic):
            raise IntegrationError(
                f"refusing to publish {call} to {publish.topic!r}: the agent publishes only to"
                " its base topic, allowed reply topics and its devices' topics"
            )
    return publishes
