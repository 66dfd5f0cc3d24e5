"""The runtime on the real default model: loading, grammar, log-probabilities, prefix reuse."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Iterator

import pytest

from hausgeist.errors import ModelError
from hausgeist.llm_runtime import GenerationRequest, LlamaRuntime, ModelSpec
from hausgeist.llm_runtime.options import RuntimeOptions, available_cores
from hausgeist.llm_stage.generation import Forced

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def full_scan_runtime(default_spec: ModelSpec, runtime_options) -> Iterator[LlamaRuntime]:
    """A second copy of the model that masks the whole vocabulary at every step."""
    options = dataclasses.replace(runtime_options, top_token_first=False)
    with LlamaRuntime.load(default_spec, options) as loaded:
        yield loaded


def test_info_describes_the_loaded_model(runtime, default_spec):
    info = runtime.info()
    assert info.model_name == "smollm2-135m"
    assert info.path == str(default_spec.path)
    assert info.file_size_bytes == default_spec.size_bytes
    assert info.quantization == "Q4_1"
    assert info.n_ctx == 2048
    assert info.n_vocab == 49152
    assert info.n_threads == 1
    assert 0 < info.load_ms < 30_000
    assert info.rss_mb is not None
    assert info.rss_mb > 50


def test_auto_threads_answer_with_the_cores_that_are_free(default_spec, chat):
    options = RuntimeOptions.with_threads("auto", n_ctx=1024)
    with LlamaRuntime.load(default_spec, options) as auto:
        info = auto.info()
        assert info.adaptive_threads
        assert info.n_threads == available_cores()
        first = auto.generate(
            GenerationRequest(chat.prefix("auto"), chat.suffix("lamp on"), chat.device_grammar, 40),
            30,
        )
        assert 1 <= first.threads <= available_cores()  # measured since the watch started
        time.sleep(1.2)  # the watch has read the counters since
        later = auto.generate(
            GenerationRequest(chat.prefix("auto"), chat.suffix("fan off"), chat.device_grammar, 40),
            30,
        )
        assert 1 <= later.threads <= available_cores()
        assert json.loads(later.text)["device"] in chat.devices  # same answers, any threads


def test_a_grammar_constrained_answer_parses_as_the_grammar_says(runtime, chat):
    answer = runtime.generate(
        GenerationRequest(
            chat.prefix("grammar"), chat.suffix("turn on the lamp"), chat.device_grammar, 40
        ),
        30,
    )
    parsed = json.loads(answer.text)
    assert parsed["device"] in chat.devices
    assert parsed["action"] in chat.actions
    assert answer.finish_reason == "stop"


def test_each_generated_token_has_a_log_probability(runtime, chat):
    answer = runtime.generate(
        GenerationRequest(chat.prefix("logprobs"), chat.suffix("fan off"), chat.device_grammar, 40),
        30,
    )
    assert answer.completion_tokens > 0
    assert len(answer.token_logprobs) == answer.completion_tokens
    assert "".join(answer.token_texts) == answer.text
    assert all(math.isfinite(p) and p <= 0 for p in answer.token_logprobs)
    assert answer.min_logprob <= answer.mean_logprob <= 0
    # among what the grammar allowed, each choice is at least as likely as over everything
    assert len(answer.token_choice_logprobs) == answer.completion_tokens
    pairs = zip(answer.token_logprobs, answer.token_choice_logprobs, strict=True)
    assert all(whole <= among + 1e-6 and among <= 0 for whole, among in pairs)
    assert any(
        among > whole + 1e-3
        for whole, among in zip(answer.token_logprobs, answer.token_choice_logprobs, strict=True)
    )


def test_free_text_stops_at_max_tokens(runtime, chat):
    answer = runtime.generate(
        GenerationRequest(chat.prefix("free"), chat.suffix("Tell a long story."), None, 5), 30
    )
    assert answer.completion_tokens == 5
    assert answer.finish_reason == "length"
    assert answer.text


def test_the_same_prefix_is_evaluated_once(runtime, chat):
    prefix = chat.prefix("reuse")
    first = runtime.generate(
        GenerationRequest(prefix, chat.suffix("lamp on"), chat.device_grammar, 40), 30
    )
    second = runtime.generate(
        GenerationRequest(prefix, chat.suffix("heater off"), chat.device_grammar, 40), 30
    )

    assert not first.prefix_reused
    assert first.prompt_tokens_evaluated > 100
    assert second.prefix_reused
    assert second.cached_tokens >= first.prompt_tokens - 12  # all but the user's turn
    assert second.prompt_tokens_evaluated < 15


def test_a_changed_prefix_is_evaluated_again(runtime, chat):
    runtime.generate(
        GenerationRequest(chat.prefix("before"), chat.suffix("lamp on"), chat.device_grammar, 40),
        30,
    )
    after = runtime.generate(
        GenerationRequest(chat.prefix("after"), chat.suffix("lamp on"), chat.device_grammar, 40), 30
    )
    assert not after.prefix_reused
    assert after.prompt_tokens_evaluated > 100


def test_prime_evaluates_the_prefix_ahead_of_the_first_request(runtime, chat):
    prefix = chat.prefix("primed")
    assert runtime.prime(prefix) > 100
    assert runtime.prime(prefix) == 0
    answer = runtime.generate(
        GenerationRequest(prefix, chat.suffix("fan on"), chat.device_grammar, 40), 30
    )
    assert answer.prefix_reused
    assert answer.prompt_tokens_evaluated < 15


def test_checking_the_top_token_first_picks_the_same_tokens(runtime, full_scan_runtime, chat):
    prefix, suffix = chat.prefix("scan"), chat.suffix("switch the heater off")
    fast = runtime.generate(GenerationRequest(prefix, suffix, chat.device_grammar, 40), 30)
    slow = full_scan_runtime.generate(
        GenerationRequest(prefix, suffix, chat.device_grammar, 40), 30
    )
    assert fast.text == slow.text
    assert fast.token_logprobs == pytest.approx(slow.token_logprobs, abs=1e-4)
    assert slow.grammar_full_scans == slow.completion_tokens + 1  # every step, end included
    assert fast.grammar_full_scans < slow.grammar_full_scans


def test_grammars_are_compiled_once(runtime, chat):
    grammar = chat.device_grammar + "\n# cached once\n"
    compiled = runtime._engine.grammars.compiled
    for text in ("lamp on", "lamp off"):
        runtime.generate(
            GenerationRequest(chat.prefix("cache"), chat.suffix(text), grammar, 40), 30
        )
    assert runtime._engine.grammars.compiled == compiled + 1


def test_a_broken_grammar_is_a_model_error_and_the_runtime_goes_on(runtime, chat):
    with pytest.raises(ModelError, match="rejected the GBNF grammar"):
        runtime.generate(
            GenerationRequest(chat.prefix("broken"), chat.suffix("x"), "root ::= undefined", 8), 30
        )
    answer = runtime.generate(
        GenerationRequest(chat.prefix("broken"), chat.suffix("fan on"), chat.device_grammar, 40), 30
    )
    json.loads(answer.text)


def test_a_prompt_longer_than_the_context_is_refused(runtime, chat):
    with pytest.raises(ModelError, match="raise the model's n_ctx"):
        runtime.generate(
            GenerationRequest(chat.prefix("long", repeat=200), chat.suffix("x"), None, 8), 30
        )


def test_an_empty_prompt_is_refused(runtime):
    with pytest.raises(ModelError, match="prompt is empty"):
        runtime.generate(GenerationRequest("", "", None, 8), 30)


def test_a_closed_runtime_refuses_requests(default_spec, runtime_options, chat):
    closed = LlamaRuntime.load(default_spec, runtime_options)
    closed.close()
    closed.close()  # twice is harmless
    with pytest.raises(ModelError, match="closed"):
        closed.generate(GenerationRequest(chat.prefix("closed"), chat.suffix("x"), None, 4), 30)
    with pytest.raises(ModelError, match="closed"):
        closed.info()


def _device_forcer(text: str) -> Forced:
    """The forced text of the test grammar: all but the device's first letter and the action."""
    head = '{"device": "'
    if len(text) < len(head):
        return Forced(head[len(text) :])
    for device in (
        "lamp",
        "fan",
        "heater",
    ):  # the test grammar's; first letters differ: one letter decides the device
        full = f'{head}{device}", "action": "o'  # "on" and "off" share the "o"
        if len(text) > len(head) and full.startswith(text) and text != full:
            return Forced(full[len(text) :])
    return Forced("", done=text.endswith('"}'))


def test_forced_text_is_fed_in_one_step(runtime, chat):
    prefix, suffix = chat.prefix("jump"), chat.suffix("switch the heater off")
    stepwise = runtime.generate(GenerationRequest(prefix, suffix, chat.device_grammar, 40), 30)
    jumped = runtime.generate(
        GenerationRequest(prefix, suffix, chat.device_grammar, 40, _device_forcer), 30
    )
    decided = json.loads(jumped.text)
    assert decided["device"] in chat.devices
    assert decided["action"] in chat.actions
    assert jumped.token_texts[:4] == ('{"', "device", '":', ' "')  # the forced head, as trained
    assert jumped.token_forced[:4] == (True, True, True, True)
    assert jumped.model_steps < stepwise.model_steps
    assert jumped.completion_tokens > jumped.model_steps
    chosen = [
        p
        for p, forced in zip(jumped.token_logprobs, jumped.token_forced, strict=True)
        if not forced
    ]
    assert chosen
    assert all(p < 0 for p in chosen)  # chosen tokens carry the model's log-probability


def test_an_answer_forced_to_its_end_costs_no_model_step(runtime, chat):
    whole = '{"device": "fan", "action": "on"}'

    def all_forced(text: str) -> Forced:
        return Forced(whole[len(text) :], done=text == whole)

    answer = runtime.generate(
        GenerationRequest(
            chat.prefix("all-forced"), chat.suffix("fan on"), chat.device_grammar, 40, all_forced
        ),
        30,
    )
    assert answer.text == whole
    assert all(answer.token_forced)
    assert answer.model_steps == 0  # the last batch's logits would go unread: never evaluated
    assert answer.finish_reason == "stop"


def test_a_wrong_forcer_costs_speed_never_validity(runtime, chat):
    def wrong(text: str) -> Forced:
        del text
        return Forced('"}nonsense the grammar refuses')

    answer = runtime.generate(
        GenerationRequest(
            chat.prefix("wrong-forcer"), chat.suffix("lamp on"), chat.device_grammar, 40, wrong
        ),
        30,
    )
    decided = json.loads(answer.text)
    assert decided["device"] in chat.devices
    assert decided["action"] in chat.actions
    assert "nonsense" not in answer.text  # only what the grammar accepts is fed
