"""What one run of a rule did, step by step (Home Assistant's automation trace): the trigger,
each condition's result, every service call, publish, wait and error, and how it ended.

The engine fills a :class:`RunTrace` as the run goes and hands it over when the run has
ended (:meth:`~hausgeist.automations.engine.Engine.drain_traces`); the service keeps it in
the history database, where ``hausgeist automations trace`` reads it back."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_STEPS = 200
"""Steps kept per run; a longer run (a repeat of thousands) keeps its first ones and says
how many more there were."""
MAX_TEXT = 300
"""Characters kept of a payload or template value in a trace."""

_RUN_PREFIX = uuid.uuid4().hex[:20]
_RUN_COUNT = itertools.count()
"""Run ids: this process's random prefix and a count (unique without a syscall per run)."""

FINISHED = "finished"
ERROR = "error"
STOPPED = "stopped"
CONDITION_FAILED = "condition not met"
SKIPPED = "skipped"
CANCELLED = "cancelled"


@dataclass
class RunTrace:
    """One run of one rule."""

    automation: str
    alias: str
    started: datetime
    trigger: dict[str, Any]
    run_id: str = field(default_factory=lambda: f"{_RUN_PREFIX}{next(_RUN_COUNT):012x}")
    conditions: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    result: str = "running"
    """``finished``, ``error``, ``stopped``, ``condition not met``, ``skipped`` (mode or
    queue), ``cancelled`` (a restart), or ``running``."""
    finished: datetime | None = None
    error: str | None = None
    dropped_steps: int = 0

    @property
    def ended(self) -> bool:
        return self.finished is not None

    def condition(self, index: int, condition: Any, result: bool) -> None:
        """A condition of the rule, checked."""
        kind = condition.get("condition", "template") if isinstance(condition, dict) else "template"
        self.conditions.append({"index": index, "condition": str(kind), "result": result})

    def step(self, at: datetime, what: str, **detail: Any) -> None:
        """Something the run did at ``at``: ``call``, ``publish``, ``delay``, ``wait``..."""
        if len(self.steps) >= MAX_STEPS:
            self.dropped_steps += 1
            return
        self.steps.append({"at": at.isoformat(timespec="seconds"), "step": what, **_plain(detail)})

    def end(self, at: datetime, result: str, error: str | None = None) -> None:
        """The run ended (the first end counts)."""
        if self.ended:
            return
        self.finished = at
        self.result = result
        self.error = error

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "automation": self.automation,
            "alias": self.alias,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": None if self.finished is None else self.finished.isoformat("T", "seconds"),
            "result": self.result,
            "error": self.error,
            "trigger": self.trigger,
            "conditions": self.conditions,
            "steps": self.steps,
            "dropped_steps": self.dropped_steps,
        }


def trigger_summary(trigger: dict[str, Any]) -> dict[str, Any]:
    """The trigger variables worth keeping: what fired, on what, from what to what."""
    out: dict[str, Any] = {}
    for key in ("platform", "id", "idx", "entity_id", "topic", "event", "description", "for"):
        value = trigger.get(key)
        if value is not None:
            out[key] = _short(value)
    for key in ("from_state", "to_state"):
        value = trigger.get(key)
        if isinstance(value, dict):
            out[key] = _short(value.get("state"))
    if "payload" in trigger:
        out["payload"] = _short(trigger["payload"])
    return out


def _plain(detail: dict[str, Any]) -> dict[str, Any]:
    return {key: _short(value) for key, value in detail.items() if value is not None}


def _short(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
        return value if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
