"""The confidence gate: an LLM answer is used only when the model was sure where it chose.

The grammar forces most of the answer (braces, keys, the rest of an id once it is
unique), so the log-probability of the whole text says little. What counts are the
*choice tokens*: those the model chose (not fed as forced text) that write the
answer's kind, an entity id, a service or a refusal reason. Their mean and their
minimum must both clear a threshold.

Each choice token is judged by its probability among the tokens the grammar allowed at
that point, not over the whole vocabulary: a stock model that would rather have written
something the schema does not allow (``"call"`` for ``"calls"``) is not unsure of its
decision, while one split between two devices or between acting and refusing is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from hausgeist.llm_stage.generation import Generation

_KIND = re.compile(r'^\{"(calls|refuse|unknown)"')
_VALUE = re.compile(r'"(?:entity_id|service)": "([^"]*)"|^\{"refuse": "([^"]*)"')


@dataclass(frozen=True)
class Confidence:
    """How sure the model was at its choice points."""

    mean_logprob: float
    """Mean natural-log probability of the choice tokens."""
    min_logprob: float
    """The least likely choice token's log-probability."""
    tokens: int
    """Choice tokens found."""

    @property
    def score(self) -> float:
        """Geometric-mean probability of the choice tokens, 0-1 (the decision's confidence)."""
        return math.exp(self.mean_logprob)

    def __str__(self) -> str:
        return (
            f"choice tokens {self.tokens}, mean p {self.score:.2f}, "
            f"min p {math.exp(self.min_logprob):.2f}"
        )


def choice_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the answer's kind, entity ids, services and refusal reason."""
    spans = [m.span(1) for m in _KIND.finditer(text)]
    for match in _VALUE.finditer(text):
        group = 1 if match.group(1) is not None else 2
        spans.append(match.span(group))
    return sorted(spans)


def choice_confidence(generation: Generation) -> Confidence:
    """Mean and minimum log-probability over the tokens that overlap a choice span."""
    spans = choice_spans(generation.text)
    picked: list[float] = []
    chosen: list[float] = []
    offset = 0
    scores = generation.token_choice_logprobs or generation.token_logprobs
    pairs = zip(generation.token_texts, scores, strict=True)
    for index, (piece, logprob) in enumerate(pairs):
        start, end = offset, offset + len(piece)
        offset = end
        if not generation.chosen(index):  # forced text: the model had no say
            continue
        chosen.append(logprob)
        if any(start < stop and end > begin for begin, stop in spans):
            picked.append(logprob)
    if not picked:  # nothing recognisable: judge what the model chose
        picked = chosen or [0.0]
    return Confidence(sum(picked) / len(picked), min(picked), len(picked))


@dataclass(frozen=True)
class Thresholds:
    """How sure the model must be."""

    min_confidence: float = 0.5
    """Least geometric-mean probability of the choice tokens."""
    min_token: float = 0.05
    """Least probability of any single choice token."""

    def passes(self, confidence: Confidence) -> bool:
        """Whether ``confidence`` clears the thresholds."""
        return (
            confidence.score >= self.min_confidence
            and math.exp(confidence.min_logprob) >= self.min_token
        )
