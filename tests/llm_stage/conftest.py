"""Fixtures of the LLM stage tests: the test home, a fake model, the real model loaded once."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from llm_support import Borrowed, grammar_accepts_text

from hausgeist.config.models import LlmConfig
from hausgeist.llm_runtime import LlamaRuntime, RuntimeOptions, resolve_model


@pytest.fixture(scope="session")
def llm_config() -> LlmConfig:
    return LlmConfig(threads=1, timeout_s=30.0)


@pytest.fixture(scope="session")
def model() -> Iterator[LlamaRuntime]:
    """The default model, loaded once through LlamaRuntime (one thread: this box is shared)."""
    with LlamaRuntime.load(resolve_model(None), RuntimeOptions(n_ctx=2048, n_threads=1)) as rt:
        yield rt


@pytest.fixture(scope="session")
def grammar_accepts(model: LlamaRuntime) -> Callable[[str, str], bool]:
    """Whether llama.cpp's parser of ``grammar`` accepts ``text`` whole (run on the model's thread)."""

    def check(grammar: str, text: str) -> bool:
        return model._worker.submit(grammar_accepts_text, model, grammar, text).result()

    return check


@pytest.fixture(scope="session")
def borrowed(model: LlamaRuntime) -> Callable[[], Borrowed]:
    return lambda: Borrowed(model)
