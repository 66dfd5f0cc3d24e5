"""One run of an automation, as the history keeps it (``hausgeist automations trace``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class AutomationRun:
    """What one run of a rule did: its trigger, conditions, steps and how it ended."""

    run_id: str
    """Unique for every run (a uuid4 hex)."""
    automation: str
    """The rule's id."""
    alias: str
    started: datetime
    """When it was triggered; timezone-aware, normalised to UTC."""
    finished: datetime | None
    result: str
    """``finished``, ``error``, ``stopped``, ``condition not met``, ``skipped`` or
    ``cancelled``."""
    error: str | None = None
    trigger: dict[str, Any] = field(default_factory=dict)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    dropped_steps: int = 0
    """Steps past the trace's limit, counted but not kept."""
    home: str | None = None

    def __post_init__(self) -> None:
        for name in ("started", "finished"):
            value = getattr(self, name)
            if value is None:
                continue
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"AutomationRun.{name} must be timezone-aware, got {value!r}")
            object.__setattr__(self, name, value.astimezone(UTC))

    @property
    def key(self) -> str:
        return self.run_id

    @property
    def duration_s(self) -> float | None:
        return None if self.finished is None else (self.finished - self.started).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started"] = self.started.isoformat()
        data["finished"] = None if self.finished is None else self.finished.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AutomationRun:
        """The inverse of `to_dict`; unknown keys are ignored. Raises ValueError on bad data."""
        names = {f.name for f in fields(cls)}
        values = {name: value for name, value in data.items() if name in names}
        try:
            values["started"] = datetime.fromisoformat(str(data["started"]))
            finished = data.get("finished")
            values["finished"] = None if finished is None else datetime.fromisoformat(finished)
            return cls(**values)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an automation run ({exc}): {data!r}") from exc
