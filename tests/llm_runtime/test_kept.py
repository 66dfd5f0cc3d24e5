"""Evaluated prompt prefixes kept on disk: a new process restores them instead of evaluating."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hausgeist.llm_runtime import GenerationRequest, LlamaRuntime, ModelSpec
from hausgeist.llm_runtime.options import RuntimeOptions

pytestmark = pytest.mark.llm


def _load(spec: ModelSpec, options: RuntimeOptions, kept: Path) -> LlamaRuntime:
    return LlamaRuntime.load(spec, dataclasses.replace(options, kept_prefixes=kept))


def test_a_later_process_restores_the_prefix_and_answers_the_same(
    default_spec, runtime_options, chat, tmp_path
) -> None:
    kept = tmp_path / "prompts"
    prefix, suffix = chat.prefix("kept"), chat.suffix("fan off")
    with _load(default_spec, runtime_options, kept) as first:
        evaluated = first.prime(prefix)
        assert evaluated > 50
        assert first.prime(prefix) == 0  # already in the cache
        answer = first.generate(GenerationRequest(prefix, suffix, chat.device_grammar, 40), 30)
    files = list(kept.glob("*.kv"))
    assert len(files) == 1
    with _load(default_spec, runtime_options, kept) as second:
        assert second.prime(prefix) == 0  # restored, not evaluated
        again = second.generate(GenerationRequest(prefix, suffix, chat.device_grammar, 40), 30)
        assert again.prefix_reused
        assert again.prompt_tokens_evaluated < again.prompt_tokens - evaluated + 2
    assert again.text == answer.text
    assert again.token_logprobs == pytest.approx(answer.token_logprobs, abs=1e-4)


def test_a_damaged_file_is_evaluated_again_and_replaced(
    default_spec, runtime_options, chat, tmp_path
) -> None:
    kept = tmp_path / "prompts"
    prefix = chat.prefix("damaged")
    with _load(default_spec, runtime_options, kept) as first:
        evaluated = first.prime(prefix)
    (path,) = kept.glob("*.kv")
    path.write_bytes(path.read_bytes()[:1000])
    with _load(default_spec, runtime_options, kept) as second:
        assert second.prime(prefix) == evaluated
        answer = second.generate(
            GenerationRequest(prefix, chat.suffix("lamp on"), chat.device_grammar, 40), 30
        )
        assert answer.text.startswith('{"device"')
    assert path.stat().st_size > 1000


def test_only_the_newest_few_are_kept(default_spec, runtime_options, chat, tmp_path) -> None:
    kept = tmp_path / "prompts"
    with _load(default_spec, runtime_options, kept) as runtime:
        for n in range(6):
            runtime.prime(chat.prefix(f"home-{n}", repeat=1))
    assert len(list(kept.glob("*.kv"))) == 4
    assert not list(kept.glob("*.part"))
