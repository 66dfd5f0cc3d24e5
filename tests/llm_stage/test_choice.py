"""One choice among written options (the automation reader's question about odd event
words): the grammar admits only the options, the answer counts only when the model is sure,
and with the real model every answer is one of the options."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from llm_support import Borrowed, FakeModel

from hausgeist.llm_stage.choice import MAX_OPTIONS, choice_grammar, choice_prompt
from hausgeist.llm_stage.generation import GenerationRequest
from hausgeist.llm_stage.stage import LlmStage

OPTIONS = ["Hallway Motion sees motion", "Hallway Motion sees no motion", "Hallway Light turns on"]
QUESTION = "Which event do the words describe?"


def test_the_grammar_admits_exactly_the_options(
    grammar_accepts: Callable[[str, str], bool],
) -> None:
    grammar = choice_grammar([*OPTIONS, 'a "quoted" one'])
    for option in [*OPTIONS, 'a "quoted" one']:
        assert grammar_accepts(grammar, option), option
    for other in ("Hallway Motion", "Hallway Light turns off", "Hallway Motion sees motion!"):
        assert not grammar_accepts(grammar, other), other


def test_a_sure_answer_that_survives_the_order_is_taken(core, llm_config) -> None:
    fake = FakeModel([OPTIONS[0], OPTIONS[0]], probability=0.9)
    stage = LlmStage(core, llm_config, load=lambda: fake)
    assert stage.choose(QUESTION, OPTIONS, "somebody wanders through the hallway") == OPTIONS[0]
    [(_, first, grammar), (_, second, _)] = fake.prompts
    assert "somebody wanders through the hallway" in first
    assert all(option in first for option in OPTIONS)
    assert grammar == choice_grammar(OPTIONS)
    # asked again with the options the other way round
    assert first.index(OPTIONS[0]) < first.index(OPTIONS[2])
    assert second.index(OPTIONS[0]) > second.index(OPTIONS[2])


def test_an_answer_that_follows_the_order_is_none(core, llm_config) -> None:
    fake = FakeModel([OPTIONS[0], OPTIONS[2]], probability=0.99)  # the first one, each time
    stage = LlmStage(core, llm_config, load=lambda: fake)
    assert stage.choose(QUESTION, OPTIONS, "the hallway goes quiet") is None


def test_an_unsure_or_outside_answer_is_none(core, llm_config) -> None:
    unsure = LlmStage(core, llm_config, load=lambda: FakeModel([OPTIONS[0]], probability=0.2))
    assert unsure.choose(QUESTION, OPTIONS, "x") is None
    outside = LlmStage(core, llm_config, load=lambda: FakeModel(["the garage"], probability=0.99))
    assert outside.choose(QUESTION, OPTIONS, "x") is None


def test_too_many_options_or_none_are_not_asked(core, llm_config) -> None:
    fake = FakeModel([])
    stage = LlmStage(core, llm_config, load=lambda: fake)
    assert stage.choose(QUESTION, [f"option {i}" for i in range(MAX_OPTIONS + 1)], "x") is None
    assert stage.choose(QUESTION, [], "x") is None
    assert fake.prompts == []


@pytest.mark.llm
def test_the_real_model_answers_with_an_option(
    core, llm_config, borrowed: Callable[[], Borrowed]
) -> None:
    stage = LlmStage(core, llm_config, load=borrowed)
    for words in ("somebody wanders through the hallway", "the hallway goes bright"):
        answer = stage.choose(QUESTION, OPTIONS, words)
        assert answer is None or answer in OPTIONS
    model = borrowed()
    prefix, suffix = choice_prompt(QUESTION, OPTIONS, "somebody wanders through the hallway")
    generation = model.generate(GenerationRequest(prefix, suffix, choice_grammar(OPTIONS), 24), 30)
    assert generation.text.strip() in OPTIONS
