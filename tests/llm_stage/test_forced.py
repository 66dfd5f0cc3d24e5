"""Jump-forward: the text the forcer proposes is always what every valid answer continues with."""

from __future__ import annotations

import json

import pytest

from hausgeist.llm_stage.forced import HEADS, AnswerForcer
from hausgeist.llm_stage.grammar import MOST_CALLS, build_grammar, device_offers
from hausgeist.understanding import Understanding


def _value(key: str) -> str:
    samples = {"rgb_color": "[255, 0, 0]", "item": '"milk"', "hvac_mode": '"heat"'}
    return samples.get(key, "1")


def _answers(core: Understanding) -> list[str]:
    """Valid answers of the test home: every entity with every service, with and without data."""
    calls: list[str] = []
    for device in core.registry:
        for offer in device_offers(device):
            head = f'{{"entity_id": "{device.entity_id}", "service": "{offer.service}"'
            required = [k for k in offer.keys if k.required]
            if not required:
                calls.append(head + "}")
            calls.extend(
                head + f', "data": {{"{key.key}": {_value(key.key)}}}}}'
                for key in required[:1] or offer.keys[:1]
            )
    answers = ['{"calls": [' + call + "]}" for call in calls]
    answers += ['{"calls": [' + calls[0] + ", " + call + "]}" for call in calls[::7]]
    return answers + list(HEADS[1:])


@pytest.fixture(scope="module")
def forcer(core: Understanding) -> AnswerForcer:
    return AnswerForcer({d.entity_id: device_offers(d) for d in core.registry if device_offers(d)})


def test_forced_text_is_shared_by_every_valid_answer(
    core: Understanding, forcer: AnswerForcer
) -> None:
    answers = _answers(core)
    assert len(answers) > 100
    for answer in answers:
        for cut in range(len(answer)):
            forced = forcer(answer[:cut])
            assert not forced.done, answer[:cut]
            assert answer[cut:].startswith(forced.text), (answer[:cut], forced.text)
        assert forcer(answer).done, answer


def test_most_of_an_answer_is_forced(core: Understanding, forcer: AnswerForcer) -> None:
    """Only the choices are left to the model: the kind, where ids part, the service, values."""
    answer = '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "light.turn_on"}]}'
    written, steps = "", 0
    while not forcer(written).done:
        forced = forcer(written).text
        if forced:
            written += forced
        else:  # the model's turn: write one character of the answer
            written += answer[len(written)]
        steps += 1
        assert answer.startswith(written)
    assert written == answer
    assert steps < len(answer) / 3


def test_the_answer_kind_and_refusals(forcer: AnswerForcer) -> None:
    assert forcer("").text == '{"'
    assert forcer('{"r').text == 'efuse": "'  # "no" goes on as "no_" or "not": the model's
    assert forcer('{"refuse": "no').text == ""  # no_such_device or not_possible: a choice
    assert forcer('{"refuse": "not').text == '_possible"}'
    assert forcer('{"refuse": "not_possible"}').done
    assert forcer('{"u').text == 'nknown": true}'
    assert forcer('{"c').text.startswith('alls": [{"entity_id": "')


def test_forced_text_never_ends_inside_a_word_that_goes_on(forcer: AnswerForcer) -> None:
    call = '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "'
    assert forcer(call).text == "light."  # not "light.t" (turn_on, turn_off, toggle)
    assert forcer(call + "light.turn").text == "_"  # not "_o"
    assert forcer(call + "light.turn_of").text == "f"  # not 'f"}': the model writes '"}]}'
    data = call + 'light.turn_on", "data": {"'
    assert forcer(data[: -len(' {"')]).text == ""  # ' {"' is one run: the model's to write
    assert forcer(data).text == "brightness_"  # brightness_pct or brightness_step_pct


def test_between_calls_and_the_limit(core: Understanding, forcer: AnswerForcer) -> None:
    one = '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "light.turn_off"}'
    assert forcer(one).text == ""  # another call or the end: the model chooses
    assert forcer(one + ",").text == ' {"entity_id": "'
    assert forcer(one + "]").text == "}"
    full = one + ", " + one[len('{"calls": [') :]
    assert full.count('"entity_id"') == MOST_CALLS
    assert forcer(full).text == "]}"


def test_the_forcer_proposes_only_what_the_grammar_allows(
    core: Understanding, forcer: AnswerForcer, grammar_accepts
) -> None:
    """Every answer the forcer completes alone is one llama.cpp's grammar parser accepts."""
    grammar = build_grammar(core.registry).text
    for answer in _answers(core)[::25]:
        assert grammar_accepts(grammar, answer), answer
        cut = answer.index('"entity_id": "') + len('"entity_id": "') + 3
        written = answer[:cut]
        while not forcer(written).done:
            written += forcer(written).text or answer[len(written)]
        assert written == answer
        assert json.loads(written)
