"""What goes into understanding and what comes out: a Request and a Decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hausgeist.devices.actions import ServiceCall


class Status(StrEnum):
    """The outcome of a request (contract §3)."""

    DONE = "done"
    """Actions were (or, dry-run, would be) carried out."""
    ANSWER = "answer"
    """A question about the home was answered."""
    CONFIRM = "confirm"
    """Understood; the actions wait for a yes (or the PIN) in ``pending``."""
    CLARIFY = "clarify"
    """Ambiguous; the reply asks which one."""
    REFUSED = "refused"
    """Understood, but not allowed or not possible."""
    NOT_UNDERSTOOD = "not_understood"
    """Nothing could be made of it with enough confidence."""


@dataclass(frozen=True)
class Request:
    """One thing a person (or a sensor rule) asked of the agent."""

    text: str
    """What was said or typed."""
    area: str | None = None
    """Area id of the satellite the request came from."""
    device: str | None = None
    """Entity id of the device the request came from (a TV remote, a satellite)."""
    session: str | None = None
    """Conversation id: a follow-up "yes" in the same session confirms what is pending."""
    state: Mapping[str, Mapping[str, Any]] | None = None
    """State overrides ``{entity_id: {state, attributes}}`` for this request only."""
    request_id: str | None = None
    """The caller's id, echoed in the answer."""
    channel: str = "cli"
    """Where it came from: ``cli``, ``mqtt``, ``demo``."""
    time: datetime | None = None
    """When it was said (a replayed diary keeps its own times); None: now. Without a zone it
    is the home's local time."""
    user: str | None = None
    """Who said it, when known."""


@dataclass(frozen=True)
class Decision:
    """What the agent decided to do about a request."""

    status: Status
    """The contract status."""
    reply: str
    """A short natural reply."""
    actions: tuple[ServiceCall, ...] = ()
    """Service calls to carry out now."""
    pending: tuple[ServiceCall, ...] = ()
    """Service calls waiting for confirmation."""
    source: str = "core"
    """The stage that decided: ``core``, ``llm``, ``policy``, ``session``."""
    confidence: float = 1.0
    """How sure the deciding stage was, 0-1."""
    trace: tuple[str, ...] = field(default=())
    """Steps of the decision, for ``ask --explain``."""
    note: str = ""
    """A remark that goes with whatever reply is given, already at the end of ``reply``
    ("(I dropped the earlier question.)"): kept when another stage decides instead."""

    def as_json(self, latency_ms: float, request_id: str | None = None) -> dict[str, Any]:
        """The contract's JSON answer."""
        out: dict[str, Any] = {
            "status": self.status.value,
            "reply": self.reply,
            "actions": [a.as_json() for a in self.actions],
            "pending": [a.as_json() for a in self.pending],
            "source": self.source,
            "confidence": round(self.confidence, 3),
            "latency_ms": round(latency_ms, 3),
        }
        if request_id is not None:
            out["id"] = request_id
        return out
