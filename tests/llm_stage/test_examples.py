"""The example bank: written by the core for this home, found again by similarity."""

from __future__ import annotations

from hausgeist.llm_stage.examples import ExampleBank, RetoldExamples
from hausgeist.understanding import Request, Status
from hausgeist.understanding.policy import is_sensitive


def test_every_synthetic_example_is_what_the_core_decides(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    assert len(bank) > 40
    for example in bank.examples:
        decision, _ = core.decide(Request(example.text), states)
        if example.answer.calls is not None:
            assert decision.status is Status.DONE
            assert decision.confidence == 1.0
            assert [c.as_service_call() for c in example.answer.calls] == list(decision.actions)
        else:
            assert decision.status is Status.REFUSED


def test_no_example_teaches_a_sensitive_action(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    calls = [c.as_service_call() for e in bank.examples for c in e.answer.calls or []]
    assert calls
    assert not any(is_sensitive(c, core.registry) for c in calls)
    assert not any(c.service == "lock.unlock" for c in calls)


def test_nearest_examples_share_words_and_end_with_the_closest(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    found = bank.nearest("could you shut the living room blinds", 3)
    assert len(found) == 3
    assert "Living Room Blinds" in found[-1].text
    assert bank.nearest("xyzzy plugh", 3) == []
    assert bank.nearest("blinds", 0) == []


def test_history_can_add_examples(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    size = len(bank)
    bank.extend(bank.examples[:3])  # the same texts again are skipped
    assert len(bank) == size


def test_an_example_is_retold_with_the_number_asked(core, states) -> None:
    retold = RetoldExamples(ExampleBank.synthetic(core, states), core, states)
    [example] = retold.nearest("kitchen ceiling to seventy percent", 1)
    assert "70" in example.text
    [call] = example.answer.calls or []
    assert call.data == {"brightness_pct": 70}


def test_examples_whose_answer_the_narrowed_grammar_allows_come_first(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    text = "put the lamp on in the study"
    plain = bank.nearest(text, 2)  # word overlap alone: the living room's lamp is nearer
    assert {c.entity_id for e in plain for c in e.answer.calls or []} == {"light.living_room_lamp"}
    fitting = bank.nearest(text, 2, among=("light.office_desk",))
    assert {c.entity_id for e in fitting for c in e.answer.calls or []} == {"light.office_desk"}
    refusals = bank.nearest("turn on the jacuzzi in the attic", 1, among=())
    assert refusals[0].answer.refuse is not None  # no device left: a refusal shows the way
    assert bank.nearest(text, 2, among=("vacuum.robot",)) == plain  # none fits: nearest help
