"""The stage with a scripted fake model: what it accepts, what it declines, and why."""

from __future__ import annotations

import pytest
from llm_support import FakeModel, timeout_error

from hausgeist.errors import ModelError
from hausgeist.llm_stage.stage import TIMEOUT_REPLY, LlmStage, StageResult
from hausgeist.understanding import Conversation, Request, Status

COFFEE_ON = '{"calls": [{"entity_id": "switch.coffee_machine", "service": "switch.turn_on"}]}'
UNLOCK = '{"calls": [{"entity_id": "lock.front_door", "service": "lock.unlock"}]}'


@pytest.fixture
def ask(core, states, llm_config):
    def run(text: str, *answers: str | Exception, probability: float = 0.95) -> StageResult:
        fake = FakeModel(list(answers), probability)
        stage = LlmStage(core, llm_config, load=lambda: fake)
        return stage.consider(Request(text), states, Conversation())

    return run


def test_an_accepted_answer_is_phrased_by_the_core(ask) -> None:
    result = ask("turn on the coffee machine", COFFEE_ON)
    decision = result.decision
    assert decision is not None
    assert decision.status is Status.DONE
    assert decision.source == "llm"
    assert decision.reply == "Turned on the Coffee Machine."
    assert [str(a) for a in decision.actions] == ["switch.turn_on switch.coffee_machine"]
    assert decision.confidence == pytest.approx(0.95)
    assert any(t.startswith("llm raw: ") for t in decision.trace)
    assert any(t.startswith("llm accepted") for t in decision.trace)


def test_the_model_never_skips_a_confirmation(ask) -> None:
    result = ask("unlock the front door", UNLOCK)
    assert result.decision is not None
    assert result.decision.status is Status.CONFIRM
    assert [str(c) for c in result.decision.pending] == ["lock.unlock lock.front_door"]
    assert result.decision.actions == ()
    assert result.conversation is not None
    assert result.conversation.confirm is not None


@pytest.mark.parametrize(
    ("answer", "probability", "why"),
    [
        (COFFEE_ON, 0.2, "not confident"),
        (
            '{"calls": [{"entity_id": "light.hallway", "service": "light.turn_on"}]}',
            0.95,
            "names switch.coffee_machine",
        ),
        (
            '{"calls": [{"entity_id": "switch.coffee_machine", "service": "switch.turn_off"}]}',
            0.95,
            "the words ask to on",
        ),
        (
            '{"calls": [{"entity_id": "light.hallway", "service": "light.turn_on", "data": {"brightness_pct": 50}}]}',
            0.95,
            "invalid call",
        ),
        (
            '{"calls": [{"entity_id": "light.garden", "service": "light.turn_on"}]}',
            0.95,
            "invalid call",
        ),
        ('{"calls": [{"entity_id": "switch.coffee_mach', 0.95, "not valid"),
        ('{"unknown": true}', 0.95, "does not know"),
        ('{"refuse": "no_such_device"}', 0.95, "nothing this home lacks"),
        (UNLOCK, 0.99, "leaves out"),
    ],
)
def test_a_declined_answer_leaves_the_decision_to_the_core(ask, answer, probability, why) -> None:
    result = ask("turn on the coffee machine", answer, probability=probability)
    assert result.decision is None
    assert any(why in t for t in result.trace), result.trace


def test_a_confident_refusal_of_an_unknown_device_is_used(ask) -> None:
    result = ask("turn on the pool lights", '{"refuse": "no_such_device"}')
    assert result.decision is not None
    assert result.decision.status is Status.REFUSED
    assert result.decision.source == "llm"


def test_a_hung_generation_is_not_understood_with_a_clear_reply(ask) -> None:
    result = ask("turn on the coffee machine", timeout_error())
    assert result.decision is not None
    assert result.decision.status is Status.NOT_UNDERSTOOD
    assert result.decision.reply == TIMEOUT_REPLY
    assert result.decision.source == "llm"
    assert any("did not answer within" in t for t in result.trace)


@pytest.mark.parametrize(
    "text", ["yes", "no thanks", "1234", "what is on?", "is the purifier running"]
)
def test_replies_and_questions_are_left_to_the_core(core, states, llm_config, text: str) -> None:
    loads = []
    stage = LlmStage(core, llm_config, load=lambda: loads.append(1) or FakeModel())
    result = stage.consider(Request(text), states, Conversation())
    assert result.decision is None
    assert "llm: not asked" in result.trace[0]
    assert loads == []


@pytest.mark.parametrize(
    "text", ["the big one", "and the one over the mirror too", "coffee machine please"]
)
def test_words_with_no_action_are_not_put_to_the_model(core, states, llm_config, text) -> None:
    fake = FakeModel([COFFEE_ON])  # whatever it said, the agreement check would turn it down
    loads = []
    stage = LlmStage(core, llm_config, load=lambda: loads.append(1) or fake)
    result = stage.consider(Request(text), states, Conversation())
    assert result.decision is None
    assert "llm: not asked (the core reads no action" in result.trace[-1]
    assert fake.prompts == []
    # cold, a request the model is not asked costs no load and no prompt evaluation
    assert loads == []
    assert fake.primed == []
    stage.consider(Request("the desk lamp at 25"), states, Conversation())
    assert fake.prompts  # a number said to a named device may still be answered


def test_the_model_loads_once_and_the_fixed_prompt_is_primed_once(core, states, llm_config) -> None:
    fake = FakeModel([COFFEE_ON, COFFEE_ON])
    loads = []
    stage = LlmStage(core, llm_config, load=lambda: loads.append(1) or fake)
    for _ in range(2):
        stage.consider(Request("turn on the coffee machine"), states, Conversation())
    assert loads == [1]
    assert fake.primed == [fake.prompts[0][0]]
    assert fake.prompts[0][0] == fake.prompts[1][0]


def test_a_model_that_cannot_load_is_reported_once(core, states, llm_config) -> None:
    calls = []

    def broken() -> FakeModel:
        calls.append(1)
        raise ModelError("model 'x' is not installed: pip install x")

    stage = LlmStage(core, llm_config, load=broken)
    for _ in range(2):
        result = stage.consider(Request("turn on the coffee machine"), states, Conversation())
        assert result.decision is None
        assert "unavailable" in result.trace[0]
    assert calls == [1]


def test_a_changed_registry_gets_a_new_grammar_and_prompt(core, home_config, llm_config) -> None:
    from hausgeist.devices import DeviceRegistry, StateStore
    from hausgeist.understanding import Understanding

    fake = FakeModel([COFFEE_ON] * 3)
    stage = LlmStage(core, llm_config, load=lambda: fake)
    states = StateStore.from_registry(core.registry)
    stage.consider(Request("turn on the coffee machine"), states, Conversation())
    first = stage.home
    stage.consider(Request("turn on the coffee machine"), states, Conversation())
    assert stage.home is first
    fewer = home_config.model_copy(update={"devices": home_config.devices[:-3]})
    stage.core = Understanding(DeviceRegistry.from_config(fewer), fewer.policy)
    stage.consider(Request("turn on the coffee machine"), states, Conversation())
    assert stage.home is not first
    assert len(fake.primed) == 2


def test_warm_up_loads_and_primes_before_the_first_hand_over(core, states, llm_config) -> None:
    fake = FakeModel([COFFEE_ON])
    stage = LlmStage(core, llm_config, load=lambda: fake)
    assert stage.warm_up(states)
    assert len(fake.primed) == 1
    stage.consider(Request("turn on the coffee machine"), states, Conversation())
    assert len(fake.primed) == 1  # not again
