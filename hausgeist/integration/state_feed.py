"""What devices report becomes the agent's live state."""

from __future__ import annotations

from collections.abc import Iterable

from hausgeist.devices.state import StateStore
from hausgeist.integration.adapters.base import StateUpdate


def apply_updates(states: StateStore, updates: Iterable[StateUpdate]) -> None:
    """Lay each update over ``states``: state and attributes merged, availability set."""
    for update in updates:
        if update.state is not None or update.attributes:
            state = update.state
            if state is None:
                state = states.get(update.entity_id).state
            states.set(update.entity_id, state, dict(update.attributes))
        if update.available is not None:
            states.set_available(update.entity_id, update.available)
