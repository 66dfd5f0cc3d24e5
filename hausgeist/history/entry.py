"""One handled request and its outcome, as the history keeps it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

EntryKey = tuple[str, datetime]
"""What makes an entry unique: its request id and its time."""


@dataclass(frozen=True)
class HistoryEntry:
    """A request the agent handled, the decision it took and how long it took."""

    request_id: str
    """The request's id: a uuid4 hex, or the id the MQTT command carried."""
    time: datetime
    """When the request arrived; timezone-aware, normalised to UTC."""
    text: str
    """The request text as the user said or typed it."""
    channel: str
    """Where the request came from: ``cli``, ``mqtt`` or ``demo``."""
    status: str
    """``done``, ``answer``, ``confirm``, ``clarify``, ``refused`` or ``not_understood``."""
    source: str
    """The stage that decided, e.g. ``core``, ``llm`` or ``policy``."""
    reply: str
    """What the agent answered."""
    actions: list[dict[str, Any]]
    """Home Assistant service calls carried out: ``{"service", "entity_id", "data"}``."""
    pending: list[dict[str, Any]]
    """Service calls waiting for the user's yes (status ``confirm``)."""
    latency_ms: float
    """Time from request to decision, in milliseconds."""
    area: str | None = None
    """The area the request came from (a satellite in a room), if known."""
    device: str | None = None
    """The device the request came from, if known."""
    session: str | None = None
    """The conversation the request belongs to, if any."""
    confidence: float | None = None
    """How sure the deciding stage was (0-1), when it says."""
    home: str | None = None
    """The home whose agent handled it (``Config.home``); None in rows recorded before
    homes were."""

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError(f"HistoryEntry.time must be timezone-aware, got {self.time!r}")
        # Frozen: normalising the zone is the one write allowed after creation.
        object.__setattr__(self, "time", self.time.astimezone(UTC))

    @property
    def key(self) -> EntryKey:
        """The request id and time: one row in the database per key."""
        return (self.request_id, self.time)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``time`` becomes an ISO 8601 string."""
        data = asdict(self)
        data["time"] = self.time.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEntry:
        """The inverse of `to_dict`; unknown keys are ignored. Raises ValueError on bad data."""
        names = {field.name for field in fields(cls)}
        values = {name: value for name, value in data.items() if name in names}
        try:
            values["time"] = datetime.fromisoformat(str(data["time"]))
            return cls(**values)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a history entry ({exc}): {data!r}") from exc
