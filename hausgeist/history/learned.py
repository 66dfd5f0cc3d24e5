"""What the agent learned from, one event at a time: the history keeps them append-only
(:mod:`hausgeist.learning` reads them).

The learned phrases and habits are folded from these events (:mod:`knowledge`), so two
processes on one data directory learn from each other, a crash loses nothing (events are
spooled like requests), and ``hausgeist forget`` is one more event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What one event says."""

    PHRASE = "phrase"
    """Evidence that a phrase names a device (a correction, an answer to "which one?")."""
    AGAINST = "against"
    """Evidence that a learned phrase was wrong (corrected, undone, switched back by hand)."""
    VALUE = "value"
    """A value a person chose for a device (said, or corrected to)."""
    WITHDRAW = "withdraw"
    """A value observed earlier was not what the person wanted (they corrected it)."""
    USED = "used"
    """A learned item decided a request."""
    FEEDBACK = "feedback"
    """A person said a request was handled right or wrong (``hausgeist feedback``)."""
    FORGET = "forget"
    """A learned item (or everything) is to be forgotten."""
    MEANT = "meant"
    """What a request's words meant, as calls (a correction, an answer to "which one?",
    feedback that it was right): the LLM stage's own examples and ``model tune``'s data."""
    ADOPT = "adopt"
    """A phrase adopted from a federation's aggregate, for one device of this home."""
    REVERT = "revert"
    """What an aggregate (or every aggregate) brought is taken back."""
    SHARED = "shared"
    """This home sent a contribution to a federation: its noise, hence the ε it spent."""


@dataclass(frozen=True)
class LearningEvent:
    """One thing learned from, with when and from which request."""

    kind: EventKind
    time: datetime
    """When the request it comes from was said; timezone-aware, normalised to UTC."""
    data: dict[str, Any]
    """The event's facts (phrase, entity, area, value, weight...); see :mod:`knowledge`."""
    request_id: str | None = None
    """The request it was learned from."""
    home: str | None = None
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError(f"LearningEvent.time must be timezone-aware, got {self.time!r}")
        object.__setattr__(self, "time", self.time.astimezone(UTC))
        object.__setattr__(self, "kind", EventKind(self.kind))

    @property
    def key(self) -> str:
        return self.event_id

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "kind": self.kind.value,
            "time": self.time.isoformat(),
            "data": self.data,
            "request_id": self.request_id,
            "home": self.home,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearningEvent:
        """The inverse of `to_dict`. Raises ValueError on bad data."""
        try:
            return cls(
                kind=EventKind(data["kind"]),
                time=datetime.fromisoformat(str(data["time"])),
                data=dict(data["data"]),
                request_id=data.get("request_id"),
                home=data.get("home"),
                event_id=str(data["event_id"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a learning event ({exc}): {data!r}") from exc
