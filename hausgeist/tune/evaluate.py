"""Ask a GGUF model the held-out requests through the runtime and compare with the core."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hausgeist.llm_runtime.schema import LlmAnswer
from hausgeist.tune.export import check
from hausgeist.tune.store import Evaluation


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


def same_answer(a: LlmAnswer | None, b: LlmAnswer | None) -> bool:
    """Equal answers: the same calls in any order (numbers to two decimals), or the same
    refusal, or both unknown."""
    return a is not None and b is not None and _canonical(a) == _canonical(b)


def evaluate(
    path: Path, probes: Sequence[Probe], model: str, quantization: str, threads: int = 2
) -> Evaluation:
    """Accuracy, validity and latency of the model at ``path`` on ``probes``."""
    result = check(path, [(p.prefix, p.suffix, p.grammar) for p in probes], threads)
    right = sum(same_answer(a, p.expected) for a, p in zip(result.answers, probes, strict=True))
    asked = max(1, len(probes))
    return Evaluation(
        model=model,
        quantization=quantization,
        accuracy=right / asked,
        valid=result.answered / asked,
        asked=len(probes),
        p50_ms=percentile(result.latencies_ms, 50),
        p95_ms=percentile(result.latencies_ms, 95),
    )


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
