"""Live state of the home's entities: what the agent knows now, Home Assistant form."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hausgeist.devices.registry import DeviceRegistry
from hausgeist.domains.attributes import readable_attributes, readable_state, state_problem


@dataclass(frozen=True)
class EntityState:
    """One entity's state."""

    state: str | None
    """Home Assistant state text: ``on``, ``off``, ``locked``, ``21.5``... None when unknown."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """Attributes in Home Assistant names and units."""
    available: bool = True
    """False when the device reported itself offline."""
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    """When it was last set."""


class StateStore:
    """Thread-safe map of entity id to its current state (the MQTT loop writes, requests read)."""

    def __init__(self) -> None:
        self._states: dict[str, EntityState] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_registry(cls, registry: DeviceRegistry) -> StateStore:
        """Start from the state and attributes known in the configuration."""
        store = cls()
        for device in registry:
            store.set(device.entity_id, device.initial_state, dict(device.initial_attributes))
        return store

    def __contains__(self, entity_id: object) -> bool:
        """Whether ``entity_id`` has ever been set."""
        with self._lock:
            return entity_id in self._states

    def get(self, entity_id: str) -> EntityState:
        """The state of ``entity_id`` (unknown when never set)."""
        with self._lock:
            return self._states.get(entity_id, EntityState(None, {}))

    def set(
        self, entity_id: str, state: str | None, attributes: Mapping[str, Any] | None = None
    ) -> None:
        """Replace the state; attributes given are merged over the known ones.

        A value the agent could not read (a list where a number belongs, ``nan``) is left
        out: the state becomes unknown, an attribute keeps its last readable value."""
        state = readable_state(state)
        with self._lock:
            old = self._states.get(entity_id)
            merged = dict(old.attributes) if old else {}
            merged.update(readable_attributes(attributes or {}))
            available = old.available if old else True
            self._states[entity_id] = EntityState(state, merged, available)

    def set_available(self, entity_id: str, available: bool) -> None:
        """Mark a device online or offline."""
        with self._lock:
            old = self._states.get(entity_id, EntityState(None, {}))
            self._states[entity_id] = EntityState(old.state, old.attributes, available)

    def override(self, states: Mapping[str, Mapping[str, Any]]) -> StateStore:
        """A copy with ``{entity_id: {state, attributes}}`` laid over (``ask --state``)."""
        copy = StateStore()
        with self._lock:
            copy._states = dict(self._states)
        for entity_id, value in states.items():
            if not isinstance(value, Mapping):
                continue
            state = _as_state(value.get("state"))
            attributes = value.get("attributes")
            copy.set(
                entity_id,
                state if state is not None else copy.get(entity_id).state,
                attributes if isinstance(attributes, Mapping) else {},
            )
        return copy

    def snapshot(self) -> dict[str, EntityState]:
        """All states now."""
        with self._lock:
            return dict(self._states)


def _as_state(value: Any) -> str | None:
    if isinstance(value, bool):
        return "on" if value else "off"
    return None if value is None or state_problem(value) else str(value)
