"""The confidence gate over the choice tokens, judged on constructed generations."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from llm_support import generation

from hausgeist.llm_stage.gate import Thresholds, choice_confidence, choice_spans

CALL = '{"calls": [{"entity_id": "light.kitchen", "service": "light.turn_on", "data": {"brightness_pct": 40}}]}'


def test_choice_spans_are_the_kind_ids_services_and_reasons() -> None:
    spans = choice_spans(CALL)
    assert [CALL[a:b] for a, b in spans] == ["calls", "light.kitchen", "light.turn_on"]
    refusal = '{"refuse": "not_possible"}'
    assert [refusal[a:b] for a, b in choice_spans(refusal)] == ["refuse", "not_possible"]


def test_forced_tokens_do_not_count() -> None:
    sure = generation(CALL, 0.99)
    # Unlikely punctuation and key names (which the grammar forced) change nothing.
    logprobs = tuple(
        lp if _in_choice(i) else math.log(0.01) for i, lp in enumerate(sure.token_logprobs)
    )
    confidence = choice_confidence(replace(sure, token_logprobs=logprobs))
    assert confidence.score == pytest.approx(0.99)
    assert confidence.tokens == len("calls") + len("light.kitchen") + len("light.turn_on")


def test_one_unlikely_choice_token_lowers_the_minimum() -> None:
    sure = generation(CALL, 0.99)
    at = CALL.index("kitchen")
    logprobs = list(sure.token_logprobs)
    logprobs[at] = math.log(0.01)
    confidence = choice_confidence(replace(sure, token_logprobs=tuple(logprobs)))
    assert math.exp(confidence.min_logprob) == pytest.approx(0.01)
    assert not Thresholds().passes(confidence)


@pytest.mark.parametrize(("probability", "passes"), [(0.95, True), (0.6, True), (0.3, False)])
def test_the_mean_must_clear_the_threshold(probability: float, passes: bool) -> None:
    confidence = choice_confidence(generation(CALL, probability))
    assert Thresholds(min_confidence=0.5).passes(confidence) is passes


def test_text_without_choices_is_judged_whole() -> None:
    confidence = choice_confidence(generation("garbage", 0.2))
    assert confidence.tokens == len("garbage")
    assert confidence.score == pytest.approx(0.2)


def _in_choice(i: int) -> bool:
    return any(a <= i < b for a, b in choice_spans(CALL))


def test_choices_are_judged_among_what_the_grammar_allowed() -> None:
    # Over the whole vocabulary the model was unsure (it leaned to text the schema forbids);
    # among the answers it could write, it was sure: that is the confidence that counts.
    unsure = generation(CALL, 0.2)
    among = replace(unsure, token_choice_logprobs=tuple(math.log(0.9) for _ in CALL))
    assert not Thresholds().passes(choice_confidence(unsure))
    assert choice_confidence(among).score == pytest.approx(0.9)
    assert Thresholds().passes(choice_confidence(among))
