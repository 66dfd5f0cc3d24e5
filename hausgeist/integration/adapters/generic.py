"""Generic devices: a topic and payload template per service, a plain or JSON state topic.

Templates see ``{entity_id}``, ``{service}`` (``light.turn_on``), ``{domain}``, ``{state}``
(the state the call leads to, ``on``), the attributes it leads to (``{brightness}``) and the
call's data keys (``{brightness_pct}``). ``toggle`` falls back to the ``turn_on``/``turn_off``
command. The state is the whole payload, or the value at ``state_template`` (a dotted path,
``data.power``) of a JSON payload; a JSON object without a path gives ``state`` and
attributes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hausgeist.config.models import GenericCommand, GenericDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.devices.registry import Device
from hausgeist.devices.state import EntityState
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.base import Publish, StateUpdate
from hausgeist.integration.adapters.payload import availability, dotted, json_or_text, state_text
from hausgeist.integration.adapters.template import render

_WORDS = {"true": "on", "false": "off"}


class GenericAdapter:
    """Drives one entity through the topics and templates of its configuration."""

    def __init__(self, device: Device, config: GenericDevice) -> None:
        self._device = device
        self._config = config
        path = (config.state_template or "").strip().removeprefix("{{").removesuffix("}}")
        self._path = path.strip().removeprefix("value_json.").removeprefix("value_json") or None

    @property
    def entity_id(self) -> str:
        """The entity it drives."""
        return self._device.entity_id

    def subscriptions(self) -> list[str]:
        """``state_topic`` and ``availability_topic``, when configured."""
        topics = (self._config.state_topic, self._config.availability_topic)
        return list(dict.fromkeys(t for t in topics if t))

    def publish_topics(self) -> frozenset[str]:
        """The topics of the configured commands."""
        return frozenset(c.topic for c in self._config.commands.values())

    def encode(self, call: ServiceCall, current: EntityState) -> list[Publish]:
        """The configured command, its payload template filled in."""
        command = self._command(call, current)
        state, attrs = apply_call(call, current)
        values: dict[str, Any] = {**attrs, "state": state, **call.data}
        values |= {"entity_id": call.entity_id, "service": call.service, "domain": call.domain}
        try:
            payload = render(command.payload, values)
        except IntegrationError as err:
            raise IntegrationError(f"{self.entity_id}, {call.service}: {err}") from err
        return [Publish(command.topic, payload.encode(), retain=command.retain)]

    def decode(self, topic: str, payload: bytes) -> list[StateUpdate]:
        """State (and attributes) from ``state_topic``, availability from its topic."""
        updates: list[StateUpdate] = []
        if topic == self._config.availability_topic:
            updates.append(StateUpdate(self.entity_id, None, {}, availability(payload, topic)))
        if topic == self._config.state_topic:
            value = json_or_text(payload, topic)
            attrs: dict[str, Any] = {}
            if self._path is not None:
                value = dotted(value, self._path)
            elif isinstance(value, Mapping):
                attrs = {k: v for k, v in value.items() if k != "state" and len(k) <= 64}
                value = value.get("state")
            state = self._state(value)
            if state is not None or attrs:
                updates.append(StateUpdate(self.entity_id, state, attrs))
        return updates

    def _command(self, call: ServiceCall, current: EntityState) -> GenericCommand:
        commands = self._config.commands
        found = commands.get(call.service) or commands.get(call.name)
        if found is None and call.name == "toggle":
            name = "turn_on" if current.state in {"off", None} else "turn_off"
            found = commands.get(f"{call.domain}.{name}") or commands.get(name)
        if found is None:
            offered = ", ".join(sorted(commands)) or "none"
            raise IntegrationError(
                f"{self.entity_id} has no command for {call.service} (configured: {offered})"
            )
        return found

    def _state(self, value: Any) -> str | None:
        state = state_text(value)
        if state is None or self._device.spec.value_state:
            return state  # a reading, an option, a text: as it comes
        return _WORDS.get(state.lower(), state.lower())
