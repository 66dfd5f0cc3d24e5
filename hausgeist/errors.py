"""The one error root of hausgeist and its few subclasses.

Foreign errors (pydantic, YAML, SQLAlchemy, paho/aiomqtt, llama.cpp) are translated
into these once, at the boundary where they happen. Every message says what was
wrong and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass


class HausgeistError(Exception):
    """Root of every error hausgeist raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found in a configuration file."""

    path: str
    """Key path in the file, e.g. ``devices[3].area`` (empty for the whole file)."""
    message: str
    """What is wrong, e.g. ``unknown area 'kitchn'``."""
    line: int | None = None
    """1-based line in the file, when known."""
    hint: str | None = None
    """What to do, e.g. ``did you mean 'kitchen'?``."""

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        line = f" (line {self.line})" if self.line is not None else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}{self.message}{line}{hint}"


class ConfigError(HausgeistError):
    """The configuration cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        count = len(problems)
        lines = "\n".join(f"  {p}" for p in problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{head}{count} configuration {noun}:\n{lines}")


class ActionError(HausgeistError):
    """A service call that the registry cannot accept (unknown entity, service or value)."""

    def __init__(
        self, message: str, *, entity_id: str | None = None, service: str | None = None
    ) -> None:
        self.entity_id = entity_id
        self.service = service
        super().__init__(message)


class UnknownEntityError(ActionError):
    """The entity does not exist in the registry (or is hidden from the agent)."""


class UnsupportedServiceError(ActionError):
    """The entity's domain or device class does not offer the service."""


class InvalidServiceDataError(ActionError):
    """A data key is unknown, missing, of the wrong type or out of range."""


class ModelError(HausgeistError):
    """The local LLM runtime cannot load or run its model."""


class FederationError(HausgeistError):
    """The federated update hook cannot do what was asked (a budget spent, a file that is
    not a contribution, a message that would carry a word of the home)."""


class HistoryError(HausgeistError):
    """The history database cannot be reached or migrated."""


class IntegrationError(HausgeistError):
    """The MQTT broker or a device adapter failed in a way the caller must know about."""


class PayloadError(IntegrationError):
    """An MQTT payload (command, state, discovery) is malformed or oversize."""
