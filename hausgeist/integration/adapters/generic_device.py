"""The device side of a generic device, for the simulator: which configured command a message
is (its payload matched against the command's template) and the service call it carries, and
the state message the device publishes, as ``GenericAdapter`` reads it back."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from hausgeist.config.models import GenericDevice
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.devices.state import EntityState
from hausgeist.domains.capabilities import DOMAINS
from hausgeist.domains.spec import Kind
from hausgeist.integration.adapters.base import Publish
from hausgeist.integration.adapters.payload import number


def _flag(text: str) -> bool | None:
    return {"true": True, "on": True, "false": False, "off": False}.get(text.lower())


def _numbers(count: int) -> Callable[[str], list[float] | None]:
    def read(text: str) -> list[float] | None:
        parts = [number(p) for p in text.split(",")]
        ok = len(parts) == count and all(p is not None for p in parts)
        return [p or 0 for p in parts] if ok else None

    return read


_VALUES: Mapping[Kind, Callable[[str], Any]] = {
    Kind.INT: number,
    Kind.FLOAT: number,
    Kind.BOOL: _flag,
    Kind.RGB: _numbers(3),
    Kind.PAIR: _numbers(2),
}
"""How a value written into a payload is read back, by its type (text stays text)."""


def template_pattern(template: str) -> re.Pattern[str]:
    """A pattern that matches what ``template`` renders to, a group per name it uses."""
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


class GenericEntity:
    """One simulated device configured with topics and payload templates."""

    def __init__(self, entity_id: str, config: GenericDevice) -> None:
        self.entity_id = entity_id
        self.domain = entity_id.partition(".")[0]
        self.config = config
        self._patterns = {key: template_pattern(c.payload) for key, c in config.commands.items()}
        path = (config.state_template or "").strip().removeprefix("{{").removesuffix("}}")
        self._path = path.strip().removeprefix("value_json.").removeprefix("value_json") or None

    def calls(self, topic: str, payload: str, current: EntityState) -> list[ServiceCall]:
        """The call of the first configured command on ``topic`` that ``payload`` fits."""
        for key, command in self.config.commands.items():
            match = self._patterns[key].fullmatch(payload)
            if command.topic != topic or match is None:
                continue
            call = self._call(key, match.groupdict())
            if call is not None and _says_state(call, current, match.groupdict().get("state")):
                return [call]
        return []

    def _call(self, key: str, values: Mapping[str, str]) -> ServiceCall | None:
        domain, _, name = key.rpartition(".")
        if domain not in {"", self.domain}:
            return None
        spec = DOMAINS[self.domain].services.get(name) if self.domain in DOMAINS else None
        data: dict[str, Any] = {}
        for field in spec.fields if spec is not None else ():
            if field.key in values:
                value = _VALUES.get(field.kind, str)(values[field.key])
                if value is None:
                    return None
                data[field.key] = value
        try:
            return ServiceCall(service=f"{self.domain}.{name}", entity_id=self.entity_id, data=data)
        except ValidationError:
            return None

    def messages(self, current: EntityState) -> list[Publish]:
        """The state message on ``state_topic`` (retained); none without one."""
        if self.config.state_topic is None or current.state is None:
            return []
        value: Any = {"state": current.state, **current.attributes}
        if self._path is not None:
            value = current.state
            for step in reversed(self._path.split(".")):
                value = {step: value}
        payload = json.dumps(value, separators=(",", ":")).encode()
        return [Publish(self.config.state_topic, payload, retain=True)]


def _says_state(call: ServiceCall, current: EntityState, said: str | None) -> bool:
    """Whether the state written into the payload is the one the call leads to (a command
    shared by turn_on and turn_off, ``{state}`` on one topic, is told apart by it)."""
    if said is None:
        return True
    state, _ = apply_call(call, current)
    return state is None or said.lower() == str(state).lower()
