"""Aggregate verdicts into the benchmark's numbers and print them as a table."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.understanding.cases import CATEGORIES, Case
from benchmarks.understanding.driver import Exchange
from benchmarks.understanding.scoring import Verdict


@dataclass(frozen=True)
class Outcome:
    """A case, what came back, and the verdict."""

    case: Case
    """The case that was asked."""
    exchange: Exchange
    """The raw exchange with the program."""
    verdict: Verdict
    """How it was judged."""

    @property
    def latency_ms(self) -> float | None:
        """The response's own ``latency_ms``, when it reported a number."""
        response = self.exchange.response or {}
        value = response.get("latency_ms")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if math.isfinite(value) else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


CONVERSATIONS = "turns of conversations"
"""The cases asked inside a session (a pending question, then anything), across categories."""


def _group(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    ok = sum(o.verdict.passed for o in outcomes)
    return {
        "cases": len(outcomes),
        "passed": ok,
        "accuracy": ok / len(outcomes),
        "wrong_actions": sum(o.verdict.wrong_action for o in outcomes),
    }


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The numbers for one group of outcomes (a home, or all of them)."""
    n = len(outcomes)
    passed = sum(o.verdict.passed for o in outcomes)
    handed_over = sum(o.verdict.status == "not_understood" for o in outcomes)
    errors = sum(o.verdict.status is None for o in outcomes)
    claimed = [o for o in outcomes if o.verdict.status not in (None, "not_understood")]
    latencies = [v for o in outcomes if (v := o.latency_ms) is not None]
    walls = [o.exchange.wall_ms for o in outcomes if o.exchange.response is not None]
    categories: dict[str, Any] = {}
    for category in CATEGORIES:
        group = [o for o in outcomes if o.case.category == category]
        if group:
            categories[category] = _group(group)
    turns = [o for o in outcomes if o.case.session is not None]
    if turns:
        categories[CONVERSATIONS] = _group(turns)
    return {
        "cases": n,
        "passed": passed,
        "accuracy": _share(passed, n),
        "handed_over": _share(handed_over, n),
        "wrong_action_rate": _share(sum(o.verdict.wrong_action for o in outcomes), n),
        "claimed": len(claimed),
        "claimed_accuracy": _share(sum(o.verdict.passed for o in claimed), len(claimed)),
        "protocol_errors": errors,
        "latency_ms": {f"p{q}": percentile(latencies, q) for q in (50, 95, 99)},
        "round_trip_ms": {f"p{q}": percentile(walls, q) for q in (50, 95, 99)},
        "categories": categories,
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _row(label: str, cells: Iterable[str]) -> list[str]:
    return [label, *cells]


def _cell(category: dict[str, Any] | None) -> str:
    """``97.1% (35)``, with ``, 1 wrong`` where a case of it did a wrong action."""
    if category is None:
        return "-"
    wrong = category["wrong_actions"]
    return (
        f"{_pct(category['accuracy'])} ({category['cases']}{f', {wrong} wrong' if wrong else ''})"
    )


def table(numbers: dict[str, dict[str, Any]]) -> str:
    """Plain-text table: one column per home and one for all of them; each category's
    cell says how many of its cases did a wrong action, where any did."""
    columns = list(numbers)
    rows: list[list[str]] = [_row("", columns)]
    for category in (*CATEGORIES, CONVERSATIONS):
        cells = [_cell(numbers[col]["categories"].get(category)) for col in columns]
        if any(c != "-" for c in cells):
            rows.append(_row(category, cells))
    rows.append([])
    rows.append(_row("cases", [str(numbers[c]["cases"]) for c in columns]))
    for label, key in [
        ("accuracy", "accuracy"),
        ("handed over (not_understood)", "handed_over"),
        ("wrong-action rate", "wrong_action_rate"),
        ("accuracy on claimed", "claimed_accuracy"),
    ]:
        rows.append(_row(label, [_pct(numbers[c][key]) for c in columns]))
    rows.append(_row("protocol errors", [str(numbers[c]["protocol_errors"]) for c in columns]))
    rows.extend(
        _row(f"latency_ms {q}", [_ms(numbers[c]["latency_ms"][q]) for c in columns])
        for q in ("p50", "p95", "p99")
    )
    rows.append(
        _row("round trip ms p50", [_ms(numbers[c]["round_trip_ms"]["p50"]) for c in columns])
    )
    widths = [max(len(r[i]) for r in rows if r) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        if not r:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
            continue
        head = r[0].ljust(widths[0])
        rest = [cell.rjust(w) for cell, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join([head, *rest]))
    return "\n".join(lines)


def failure_record(outcome: Outcome) -> dict[str, Any]:
    """A failing case, expected against got, for ``--failures`` and ``--json``."""
    case, exchange = outcome.case, outcome.exchange
    response = exchange.response or {}
    return {
        "id": case.id,
        "category": case.category,
        "text": case.text,
        "area": case.area,
        "device": case.device,
        "session": case.session,
        "expected": {
            "status": case.expect.status,
            "actions": [
                {
                    "service": a.service,
                    "entity_id": a.entity_id,
                    **({"data": dict(a.data)} if a.data else {}),
                }
                for a in case.expect.actions
            ],
        },
        "got": {
            "status": response.get("status"),
            "reply": response.get("reply"),
            "actions": response.get("actions"),
            "pending": response.get("pending"),
            "source": response.get("source"),
        },
        "reason": outcome.verdict.reason if exchange.error is None else exchange.error,
        "raw": list(exchange.raw) if exchange.error else None,
    }


def format_failure(record: dict[str, Any]) -> str:
    """Human-readable lines for one failing case."""
    where = ", ".join(f"{k}={record[k]}" for k in ("area", "device", "session") if record[k])
    lines = [
        f"FAIL {record['id']} [{record['category']}] {record['text']!r}"
        + (f" ({where})" if where else "")
    ]
    exp, got = record["expected"], record["got"]
    lines.append(f"  expected: {exp['status']} {exp['actions'] or ''}".rstrip())
    acts = got["pending"] if got["status"] == "confirm" else got["actions"]
    lines.append(
        f"  got:      {got['status']} {acts or ''} reply={got['reply']!r} source={got['source']!r}"
    )
    lines.append(f"  why:      {record['reason']}")
    if record["raw"]:
        lines += [f"  raw:      {line}" for line in record["raw"][:5]]
    return "\n".join(lines)
