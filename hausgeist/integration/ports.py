"""What the MQTT service needs of the agent and of the device adapters (structural types)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import EntityState, StateStore
from hausgeist.integration.adapters.base import Publish, StateUpdate
from hausgeist.understanding.types import Decision, Request


class OutcomeLike(Protocol):
    """The result of handling a request."""

    @property
    def decision(self) -> Decision:
        """What was decided."""
        ...

    def as_json(self) -> dict[str, Any]:
        """The contract's JSON answer, with ``id`` when the request had one."""
        ...


class AgentLike(Protocol):
    """The agent as the service uses it (``hausgeist.agent.Agent``)."""

    @property
    def registry(self) -> DeviceRegistry:
        """The home's devices."""
        ...

    @property
    def states(self) -> StateStore:
        """Live device state; the service writes what devices report."""
        ...

    def handle(self, request: Request, *, dry_run: bool = False) -> OutcomeLike:
        """Understand and carry out one request (blocking; called in a worker thread)."""
        ...

    def feedback(self, request_id: str, *, right: bool) -> list[str]:
        """A verdict on an earlier request (blocking; called in a worker thread)."""
        ...

    def observe(self, entity_id: str, state: str | None) -> list[str]:
        """A device reported a state (after the state store has it); quick."""
        ...


class DeviceAdapters(Protocol):
    """All device adapters of a home (``adapters.AdapterSet``)."""

    def subscriptions(self) -> list[str]:
        """Every topic that carries device state or availability."""
        ...

    def allowed_topics(self) -> Iterable[str]:
        """Every topic the adapters may publish to."""
        ...

    def has_adapter(self, entity_id: str) -> bool:
        """Whether the entity is reachable over MQTT (else it is virtual)."""
        ...

    def encode(self, call: ServiceCall, current: EntityState) -> list[Publish]:
        """The device messages that carry out ``call``."""
        ...

    def decode(self, topic: str, payload: bytes) -> list[StateUpdate]:
        """What a device message says; PayloadError when malformed."""
        ...
