"""Ask a GGUF model the held-out requests through the runtime and compare with the core.

The answers also calibrate the confidence gate for a tuned model: a model tuned for a few
dozen steps is often right with a geometric-mean probability of 0.3-0.5 at its choice
points, below the gate's default made for the stock model. :func:`calibrate` finds the
least threshold at which no answer the gate would let through was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hausgeist.llm_runtime.tuned_store import Evaluation
from hausgeist.llm_stage.generation import Forcer
from hausgeist.llm_stage.schema import LlmAnswer
from hausgeist.tune.export import check


@dataclass(frozen=True)
class Probe:
    """One evaluation request, already written as a prompt."""

    prefix: str
    """The fixed part of the prompt."""
    suffix: str
    """The request's part of the prompt."""
    grammar: str
    """The home's decision grammar."""
    expected: LlmAnswer
    """The core's answer."""
    forcer: Forcer | None = None
    """The stage's jump-forward (the gate leaves forced tokens out of the confidence)."""
    accepts: Callable[[LlmAnswer], bool] | None = None
    """The stage's checks of an answer against the request's words (its agreement check,
    the calls' validation); an answer they turn down is declined, as the stage declines it."""


def same_answer(a: LlmAnswer | None, b: LlmAnswer | None) -> bool:
    """Equal answers: the same calls in any order (numbers to two decimals), or the same
    refusal, or both unknown."""
    return a is not None and b is not None and _canonical(a) == _canonical(b)


def evaluate(
    path: Path,
    probes: Sequence[Probe],
    model: str,
    quantization: str,
    threads: int | Literal["auto"] = 2,
    name: str = "held-back",
) -> Evaluation:
    """Accuracy, validity, outcomes and latency of the model at ``path`` on ``probes`` (the
    set called ``name``)."""
    result = check(path, [(p.prefix, p.suffix, p.grammar, p.forcer) for p in probes], threads)
    verdicts = [same_answer(a, p.expected) for a, p in zip(result.answers, probes, strict=True)]
    outcomes = "".join(
        outcome(a, p.expected, p.accepts) for a, p in zip(result.answers, probes, strict=True)
    )
    right = sum(verdicts)
    asked = max(1, len(probes))
    acted = [a is not None and not a.unknown for a in result.answers]
    return Evaluation(
        model=model,
        quantization=quantization,
        accuracy=right / asked,
        valid=result.answered / asked,
        asked=len(probes),
        p50_ms=percentile(result.latencies_ms, 50),
        p95_ms=percentile(result.latencies_ms, 95),
        min_confidence=calibrate(
            [(c, r) for c, r, a in zip(result.confidences, verdicts, acted, strict=True) if a]
        ),
        probes=name,
        outcomes=outcomes,
        confidences=tuple(
            round(c, 4) if a is not None and a.calls else -1.0
            for a, c in zip(result.answers, result.confidences, strict=True)
        ),
    )


def outcome(
    answer: LlmAnswer | None,
    expected: LlmAnswer,
    accepts: Callable[[LlmAnswer], bool] | None = None,
) -> str:
    """One letter for an answer (:mod:`hausgeist.tune.gate`): R the expected answer; W calls
    where other calls, a refusal or "unknown" were expected (a wrong action); X a refusal or
    "unknown" where calls were expected; M another mismatch; I no answer in the schema. An
    answer ``accepts`` turns down counts as "unknown" (the stage declines it)."""
    if answer is None:
        return "I"
    if accepts is not None and not answer.unknown and not accepts(answer):
        answer = LlmAnswer(unknown=True)
    if same_answer(answer, expected):
        return "R"
    if answer.calls:
        return "W"
    return "X" if expected.calls else "M"


CEILING, FLOOR, STEP = 0.5, 0.2, 0.05
"""Thresholds :func:`calibrate` may choose: from the stock default down to 0.2."""


def calibrate(answers: Sequence[tuple[float, bool]]) -> float:
    """The least threshold in ``FLOOR..CEILING`` under which no wrong answer passes.

    ``answers`` are (confidence, right) for answers that act or refuse. The threshold
    goes down one step at a time while a right answer is still below it and no wrong
    answer would get through; a wrong answer at or above the ceiling keeps the ceiling.
    Calibration never makes the gate stricter than the stock default, and the agreement
    check stays on top of it either way.
    """
    wrong = [c for c, right in answers if not right]
    rights = [c for c, right in answers if right]
    threshold = CEILING
    while (
        threshold - STEP >= FLOOR - 1e-9
        and any(c < threshold for c in rights)
        and all(c < threshold - STEP for c in wrong)
    ):
        threshold = round(threshold - STEP, 2)
    return threshold


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.4999))
    return float(ordered[min(rank, len(ordered)) - 1])


def _canonical(answer: LlmAnswer) -> Any:
    if answer.calls is None:
        return answer.model_dump(exclude_none=True)
    calls = [
        json.dumps([c.entity_id, c.service, {k: _num(v) for k, v in sorted(c.data.items())}])
        for c in answer.calls
    ]
    return sorted(calls)


def _num(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return round(float(value), 2)
