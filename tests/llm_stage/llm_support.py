"""What the LLM stage tests share: paths, fake model answers, a lent model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from hausgeist.llm_runtime import LlamaRuntime
from hausgeist.llm_stage.generation import Generation, GenerationRequest, ModelTimeoutError

HERE = Path(__file__).parent
HOME = HERE.parent / "understanding" / "home.yaml"
INJECTION_HOME = HERE / "injection.yaml"


def generation(text: str, probability: float = 0.95) -> Generation:
    """A model answer whose every token (one per character) had ``probability``."""
    pieces = tuple(text)
    return Generation(
        text=text,
        token_logprobs=tuple(math.log(probability) for _ in pieces),
        token_texts=pieces,
        prompt_tokens=100,
        prompt_tokens_evaluated=10,
        completion_tokens=len(pieces),
        prefix_reused=True,
        finish_reason="stop",
        prompt_ms=1.0,
        elapsed_ms=2.0,
    )


@dataclass
class FakeModel:
    """Answers every request with the next scripted text (or raises the scripted error)."""

    answers: list[str | Exception] = field(default_factory=list)
    probability: float = 0.95
    prompts: list[tuple[str, str, str | None]] = field(default_factory=list)
    primed: list[str] = field(default_factory=list)
    closed: bool = False

    def generate(self, request: GenerationRequest, timeout_s: float) -> Generation:
        del timeout_s
        self.prompts.append((request.prefix, request.suffix, request.grammar))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return generation(answer, self.probability)

    def prime(self, prefix: str, timeout_s: float = 60.0) -> int:
        del timeout_s
        self.primed.append(prefix)
        return 1

    def close(self) -> None:
        self.closed = True


def timeout_error() -> ModelTimeoutError:
    return ModelTimeoutError(0.5, 500.0, 3)


class Borrowed:
    """The session's model lent to one stage: closing the stage leaves it loaded."""

    def __init__(self, runtime: LlamaRuntime) -> None:
        self.runtime = runtime

    def generate(self, request: GenerationRequest, timeout_s: float) -> Generation:
        return self.runtime.generate(request, timeout_s)

    def prime(self, prefix: str, timeout_s: float = 60.0) -> int:
        return self.runtime.prime(prefix, timeout_s)

    def close(self) -> None:
        """Kept for the next test."""


def grammar_accepts_text(model: LlamaRuntime, grammar: str, text: str) -> bool:
    import llama_cpp

    engine = model._engine
    compiled = engine.grammars.get(grammar)
    for token in engine.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False):
        if not compiled.allows(token):
            return False
        compiled.accept(token)
    end = llama_cpp.llama_vocab_eos(engine._vocab)
    return compiled.allows(end)
