"""Judge one response of ``hausgeist ask --json`` against a case's expectation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.understanding.cases import Expectation, ExpectedAction

RESPONSE_STATUSES = ("done", "answer", "confirm", "clarify", "refused", "not_understood")
ACTING = ("done", "confirm")

# Services that mean exactly the same as another call; a response's calls are rewritten first.
SAME_AS: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "climate.turn_off": ("climate.set_hvac_mode", {"hvac_mode": "off"}),
}

# Absolute tolerance per data key; numbers under other keys must match within DEFAULT_TOLERANCE.
TOLERANCES: Mapping[str, float] = {
    "volume_level": 0.01,
    "brightness_pct": 1,
    "brightness_step_pct": 1,
    "percentage": 1,
    "position": 1,
    "humidity": 1,
    "color_temp_kelvin": 100,
    "rgb_color": 1,
    "hs_color": 1,
    "temperature": 0.1,
}
DEFAULT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Call:
    """One service call from a response, with a single entity."""

    service: str
    """Service name, lowercased."""
    entity_id: str
    """Target entity, lowercased."""
    data: Mapping[str, Any]
    """Service data (empty when none)."""

    def __str__(self) -> str:
        data = f" {dict(self.data)}" if self.data else ""
        return f"{self.service} {self.entity_id}{data}"


@dataclass(frozen=True)
class Verdict:
    """The judgement of one response."""

    passed: bool
    """The response is what the case expects."""
    wrong_action: bool
    """It did (or proposed) an action that should not happen: see README."""
    status: str | None
    """The response's status; ``None`` when there was no valid response."""
    reason: str
    """Why it failed; empty when it passed."""

    @classmethod
    def failed(cls, reason: str, status: str | None = None, *, wrong: bool = False) -> Verdict:
        """A failing verdict; ``status`` ``None`` marks a protocol error (no valid response)."""
        return cls(passed=False, wrong_action=wrong, status=status, reason=reason)


def parse_calls(raw: Any) -> tuple[list[Call], str | None]:
    """Turn a response's ``actions``/``pending`` into single-entity calls.

    ``entity_id`` may be a string or a list (expanded), at the top level, under ``target`` or
    inside ``data``. Returns the calls and, when the list is malformed, what was wrong.
    """
    if raw is None:
        return [], None
    if not isinstance(raw, list):
        return [], f"actions must be a list, got {type(raw).__name__}"
    calls: list[Call] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("service"), str):
            return calls, f"malformed action {item!r}"
        raw_data = item.get("data") or {}
        if not isinstance(raw_data, dict):
            return calls, f"action data is not a mapping: {item!r}"
        data = dict(raw_data)
        target = item.get("target")
        from_target = target.get("entity_id") if isinstance(target, dict) else None
        entities = item.get("entity_id") or from_target or data.pop("entity_id", None)
        data.pop("entity_id", None)
        ids = [entities] if isinstance(entities, str) else entities
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return calls, f"action without entity_id: {item!r}"
        calls += [_canonical(Call(item["service"].lower(), i.lower(), data)) for i in ids]
    return calls, None


def _canonical(call: Call) -> Call:
    same = SAME_AS.get(call.service)
    if same is None or call.data:
        return call
    return Call(same[0], call.entity_id, same[1])


def values_match(key: str, expected: Any, got: Any) -> bool:
    """Compare one data value: numbers with tolerance, strings case-insensitively."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
    if isinstance(expected, int | float):
        if not isinstance(got, int | float):
            return False
        return math.isclose(expected, got, abs_tol=TOLERANCES.get(key, DEFAULT_TOLERANCE) + 1e-9)
    if isinstance(expected, str):
        return (
            isinstance(got, str)
            and " ".join(expected.split()).casefold() == " ".join(got.split()).casefold()
        )
    if isinstance(expected, list | tuple):
        return (
            isinstance(got, list | tuple)
            and len(got) == len(expected)
            and all(values_match(key, e, g) for e, g in zip(expected, got, strict=True))
        )
    if isinstance(expected, dict):
        return isinstance(got, dict) and data_matches(expected, got)
    return bool(expected == got)


def data_matches(expected: Mapping[str, Any], got: Mapping[str, Any]) -> bool:
    """Same keys, every value within tolerance."""
    return set(expected) == set(got) and all(
        values_match(k, v, got[k]) for k, v in expected.items()
    )


def _compatible(expected: ExpectedAction, got: Call) -> bool:
    if expected.service.lower() != got.service or expected.entity_id.lower() != got.entity_id:
        return False
    return expected.data is None or data_matches(expected.data, got.data)


def match_calls(expected: Sequence[ExpectedAction], got: Sequence[Call]) -> str | None:
    """Exact-set match (a bipartite matching); returns what differs, or ``None``."""
    owner: dict[int, int] = {}  # got index -> expected index

    def assign(e: int, tried: set[int]) -> bool:
        for g, call in enumerate(got):
            if g not in tried and _compatible(expected[e], call):
                tried.add(g)
                if g not in owner or assign(owner[g], tried):
                    owner[g] = e
                    return True
        return False

    unmatched = [expected[e] for e in range(len(expected)) if not assign(e, set())]
    extra = [got[g] for g in range(len(got)) if g not in owner]
    if not unmatched and not extra:
        return None
    parts = []
    if unmatched:
        parts.append("missing " + "; ".join(_show(a) for a in unmatched))
    if extra:
        parts.append("unexpected " + "; ".join(str(c) for c in extra))
    return ", ".join(parts)


def _show(action: ExpectedAction) -> str:
    data = f" {dict(action.data)}" if action.data is not None else ""
    return f"{action.service} {action.entity_id}{data}"


def _reply_problem(expect: Expectation, reply: str) -> str | None:
    text = reply.lower()
    for options in expect.reply_contains:
        if not any(o in text for o in options):
            return f"reply lacks {' / '.join(repr(o) for o in options)}: {reply!r}"
    for banned in expect.reply_excludes:
        if banned in text:
            return f"reply contains {banned!r}: {reply!r}"
    return None


def judge(expect: Expectation, response: Mapping[str, Any]) -> Verdict:
    """Judge a parsed JSON response object."""
    status = response.get("status")
    if status not in RESPONSE_STATUSES:
        return Verdict.failed(f"invalid status {status!r}")
    actions, bad_actions = parse_calls(response.get("actions"))
    pending, bad_pending = parse_calls(response.get("pending"))
    if bad_actions or bad_pending:
        return Verdict.failed(f"malformed response: {bad_actions or bad_pending}", status)
    raw_reply = response.get("reply")
    reply = raw_reply if isinstance(raw_reply, str) else ""
    proposed = pending if status == "confirm" else actions
    diff = None
    if status in ACTING and expect.status in ACTING:
        diff = match_calls(expect.actions, proposed)
        if diff is not None and any(
            match_calls(alt, proposed) is None for alt in expect.also_accept
        ):
            diff = None
    # Actions that should not happen: acting when nothing should be done, acting on the wrong
    # entities, doing what needed a yes, or carrying out actions under a non-acting status.
    wrong = (
        (status in ACTING and (expect.status not in ACTING or diff is not None))
        or (status == "done" and expect.status == "confirm")
        or (status != "done" and bool(actions))
    )
    if status != expect.status:
        return Verdict.failed(
            f"expected {expect.status}, got {status}: {reply!r}", status, wrong=wrong
        )
    if diff is not None:
        return Verdict.failed(f"actions differ: {diff}", status, wrong=wrong)
    if status == "confirm" and actions:
        return Verdict.failed("confirm carried out actions before the yes", status, wrong=True)
    if status not in ACTING and actions:
        return Verdict.failed(f"{status} carried out actions", status, wrong=True)
    if status == "answer" and (problem := _reply_problem(expect, reply)):
        return Verdict.failed(problem, status)
    return Verdict(passed=True, wrong_action=False, status=status, reason="")
