"""The port the stage asks a model through: what one request asks for, what it gets back,
and what a model must offer (:class:`Generator`; the llama.cpp adapter implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from hausgeist.errors import ModelError

FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class Forced:
    """What a grammar-bound answer must continue with, whatever the model prefers."""

    text: str
    """Text every completion continues with (may be empty)."""
    done: bool = False
    """The answer is complete: nothing may follow."""


class Forcer(Protocol):
    """Says, for the answer written so far, what the grammar forces next.

    The engine feeds forced text to the model in one batch instead of a step per token,
    after checking each of its tokens against the grammar (a wrong guess costs speed only)."""

    def __call__(self, text: str) -> Forced:
        """What ``text`` must continue with."""


@dataclass(frozen=True)
class GenerationRequest:
    """One completion: fixed prompt prefix + per-request suffix, optionally under a grammar."""

    prefix: str
    """The part of the prompt shared by many requests (instructions, device list, examples).

    Its evaluated state is kept and reused while the next request starts with the same
    text. End it at a natural boundary (a newline) so it tokenizes the same way alone."""
    suffix: str
    """The request-specific rest of the prompt, up to where the model's answer starts."""
    grammar: str | None
    """A GBNF grammar (root rule ``root``) the answer must match, or ``None``."""
    max_tokens: int
    """Upper bound on generated tokens."""
    forcer: Forcer | None = None
    """Jump-forward over text the grammar forces (used only together with ``grammar``)."""

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")


@dataclass(frozen=True)
class Generation:
    """The model's answer to one request, with what it cost."""

    text: str
    """The generated text (special tokens such as end-of-turn left out)."""
    token_logprobs: tuple[float, ...]
    """Natural-log probability the model gave each generated token, before the grammar's mask.

    Tokens the grammar forces (JSON punctuation, key names) often score low because the
    model would have said something else; judge confidence at the choice points."""
    token_texts: tuple[str, ...]
    """The text of each generated token, aligned with ``token_logprobs``."""
    prompt_tokens: int
    """Tokens in prefix + suffix."""
    prompt_tokens_evaluated: int
    """Prompt tokens actually run through the model; the rest came from the KV cache."""
    completion_tokens: int
    """Generated tokens."""
    prefix_reused: bool
    """Whether the whole prefix was already in the KV cache."""
    finish_reason: FinishReason
    """``stop``: the model (or the completed grammar) ended the answer; ``length``: max_tokens."""
    prompt_ms: float
    """Time spent evaluating the prompt tokens that were not cached (with the text the
    grammar forces at the answer's start, evaluated in the same batch)."""
    elapsed_ms: float
    """Time the request held the model: prompt plus generation."""
    queued_ms: float = 0.0
    """Time the request waited for the model behind earlier requests."""
    grammar_full_scans: int = 0
    """Steps where the model's top token broke the grammar and the whole vocabulary was masked."""
    token_forced: tuple[bool, ...] = ()
    """Per generated token: fed as forced text (its log-probability is 0.0, never computed)."""
    model_steps: int = 0
    """Model evaluations the answer took after the prompt's (a forced run of tokens is one;
    text forced at the start goes with the prompt, forced text that ends it is not run)."""
    threads: int = 1
    """CPU threads llama.cpp used for this request."""
    token_choice_logprobs: tuple[float, ...] = ()
    """Per generated token, its log-probability among the tokens the grammar allowed there
    (0.0 for forced ones): the model's preference among what it could actually write."""

    def chosen(self, index: int) -> bool:
        """Whether token ``index`` was chosen by the model (not forced by the grammar)."""
        return not (index < len(self.token_forced) and self.token_forced[index])

    @property
    def cached_tokens(self) -> int:
        """Prompt tokens taken from the KV cache."""
        return self.prompt_tokens - self.prompt_tokens_evaluated

    @property
    def min_logprob(self) -> float:
        """The least confident token's log-probability (0.0 for an empty answer)."""
        return min(self.token_logprobs, default=0.0)

    @property
    def mean_logprob(self) -> float:
        """Average log-probability per generated token (0.0 for an empty answer)."""
        if not self.token_logprobs:
            return 0.0
        return sum(self.token_logprobs) / len(self.token_logprobs)


class ModelTimeoutError(ModelError):
    """A generation ran past its time limit and was abandoned; the model is free again."""

    def __init__(self, timeout_s: float, elapsed_ms: float, completion_tokens: int | None) -> None:
        self.timeout_s = timeout_s
        self.elapsed_ms = elapsed_ms
        self.completion_tokens = completion_tokens
        done = "" if completion_tokens is None else f" after {completion_tokens} tokens"
        super().__init__(
            f"the model did not answer within {timeout_s:g} s (abandoned at "
            f"{elapsed_ms:.0f} ms{done}); raise the timeout or shorten the prompt"
        )


class Generator(Protocol):
    """What the stage needs of a loaded model (:class:`~hausgeist.llm_runtime.LlamaRuntime`,
    or a fake in tests)."""

    def generate(self, request: GenerationRequest, timeout_s: float) -> Generation:
        """One completion of ``request``; ModelTimeoutError past ``timeout_s`` (counted from
        the call, time waiting behind other requests included)."""

    def prime(self, prefix: str, timeout_s: float = 60.0) -> int:
        """Evaluate a fixed prefix ahead of the first request."""

    def close(self) -> None:
        """Free the model."""
