"""The JSON the model emits, parsed and validated with pydantic."""

from __future__ import annotations

import pytest

from hausgeist.llm_stage.schema import AnswerError, LlmAnswer, LlmCall, parse_answer


def test_calls_parse_into_service_calls() -> None:
    answer = parse_answer(
        '{"calls": [{"entity_id": "light.kitchen", "service": "light.turn_on",'
        ' "data": {"brightness_pct": 40}}]}'
    )
    [call] = answer.calls or []
    assert call.as_service_call().as_json() == {
        "service": "light.turn_on",
        "entity_id": "light.kitchen",
        "data": {"brightness_pct": 40},
    }


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ('{"refuse": "not_possible"}', "refuse", "not_possible"),
        ('{"unknown": true}', "unknown", True),
    ],
)
def test_refusals_and_unknown_parse(text: str, field: str, value: object) -> None:
    assert getattr(parse_answer(text), field) == value


def test_to_json_writes_what_the_grammar_allows() -> None:
    answer = LlmAnswer(calls=[LlmCall(entity_id="scene.dinner", service="scene.turn_on")])
    assert (
        answer.to_json() == '{"calls": [{"entity_id": "scene.dinner", "service": "scene.turn_on"}]}'
    )
    assert parse_answer(answer.to_json()) == answer


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}",
        '{"calls": []}',
        '{"unknown": false}',
        '{"refuse": "maybe"}',
        '{"unknown": true, "refuse": "not_possible"}',
        '{"calls": [{"entity_id": "Light.Kitchen", "service": "light.turn_on"}]}',
        '{"calls": [{"entity_id": "light.kitchen", "service": "turn_on"}]}',
        '{"calls": [{"entity_id": "light.kitchen", "service": "light.turn_on", "extra": 1}]}',
        '{"calls": [{"entity_id": "light.kitc',  # cut off at max_tokens
        '{"calls": ['
        + ", ".join(['{"entity_id": "light.a", "service": "light.turn_on"}'] * 5)
        + "]}",
    ],
)
def test_anything_else_is_an_answer_error(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(text)
