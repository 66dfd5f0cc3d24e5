"""The household's confirmed requests as the model's first examples."""

from __future__ import annotations

from llm_support import FakeModel

from hausgeist.devices.actions import ServiceCall
from hausgeist.llm_stage.examples import ExampleBank, OwnExample, own_examples
from hausgeist.llm_stage.stage import LlmStage
from hausgeist.understanding import Conversation, Request

CEILING_ON = ServiceCall(service="light.turn_on", entity_id="light.living_room_ceiling")
UNLOCK = ServiceCall(service="lock.unlock", entity_id="lock.front_door")
ANSWER = '{"calls": [{"entity_id": "light.living_room_ceiling", "service": "light.turn_on"}]}'


def own(text: str, *calls: ServiceCall, area: str | None = None) -> OwnExample:
    return OwnExample(text, area, calls)


def test_an_own_example_comes_before_closer_synthetic_ones(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    request = "switch the ceiling light on"
    before = bank.nearest(request, 3)
    bank.set_own(
        own_examples([own("pop the big ceiling one on", CEILING_ON)], core.registry, states)
    )
    after = bank.nearest(request, 3)
    assert after[-1].text == "pop the big ceiling one on"  # the closest place: next to the request
    assert [e.text for e in after[:-1]] == [e.text for e in before[1:]]


def test_an_own_example_sharing_a_word_in_passing_does_not_push_others_out(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    request = "close the living room blinds halfway"
    before = [e.text for e in bank.nearest(request, 3)]
    far = own("the room where we eat, lights on", CEILING_ON)
    bank.set_own(own_examples([far], core.registry, states))
    assert [e.text for e in bank.nearest(request, 3)] == before


def test_own_examples_replace_the_earlier_ones(core, states) -> None:
    bank = ExampleBank.synthetic(core, states)
    size = len(bank)
    bank.set_own(own_examples([own("big ceiling one on", CEILING_ON)], core.registry, states))
    assert len(bank) == size + 1
    bank.set_own(own_examples([own("lounge top light on", CEILING_ON)], core.registry, states))
    assert [e.text for e in bank.own] == ["lounge top light on"]
    assert len(bank) == size + 1
    bank.set_own([])
    assert bank.own == []
    assert len(bank) == size


def test_only_what_the_model_may_be_shown_is_kept(core, states) -> None:
    gone = ServiceCall(service="light.turn_on", entity_id="light.attic")
    cannot = ServiceCall(service="light.turn_on", entity_id="switch.coffee_machine")
    kept = own_examples(
        [
            own("big ceiling one on", CEILING_ON),
            own("BIG ceiling one on", CEILING_ON),  # the same words again: the newest stands
            own("let me in", UNLOCK),  # sensitive: the policy's, never an example
            own("attic on", gone),  # no longer in the home
            own("coffee light", cannot),  # a service the device does not offer
            own("nothing"),
        ],
        core.registry,
        states,
    )
    assert [e.text for e in kept] == ["big ceiling one on"]
    assert kept[0].answer.to_json() == ANSWER


def test_the_stage_shows_the_households_words_and_follows_what_it_learns(core, states, llm_config):
    fake = FakeModel([ANSWER, ANSWER])
    learned = {"version": 1, "examples": [own("pop the big ceiling one on", CEILING_ON)]}
    stage = LlmStage(
        core,
        llm_config,
        load=lambda: fake,
        own=lambda: (learned["version"], learned["examples"]),
    )
    stage.consider(Request("switch the ceiling light on in the lounge"), states, Conversation())
    suffix = fake.prompts[0][1]
    solved = suffix.split("Request:")[0]
    assert solved.strip().splitlines()[-1].startswith('"pop the big ceiling one on" -> ')
    learned.update(version=2, examples=[own("lounge top light on please", CEILING_ON)])
    stage.consider(Request("switch the ceiling light on in the lounge"), states, Conversation())
    later = fake.prompts[1][1]
    assert "pop the big ceiling one on" not in later
    assert "lounge top light on please" in later
