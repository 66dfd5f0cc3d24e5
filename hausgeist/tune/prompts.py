"""Teacher examples as token ids, in exactly the prompt the LLM stage writes at run time.

The stage's own :class:`~hausgeist.llm_stage.home.HomeModel` writes the prompt: the
fixed prefix (instructions and device list), then the request's suffix, then the answer
and the end-of-turn token. Each target is also walked through the stage's grammar with
llama.cpp's grammar sampler: an answer the grammar cannot write is never taught.
"""

from __future__ import annotations

from dataclasses import dataclass

from hausgeist.config.models import LlmConfig
from hausgeist.devices.state import StateStore
from hausgeist.llm_stage.home import HomeModel
from hausgeist.llm_stage.mentions import read_mentions
from hausgeist.tune.data import TeacherExample
from hausgeist.tune.tokens import Tokenizer
from hausgeist.understanding import Understanding


@dataclass(frozen=True)
class Encoded:
    """One example after the shared prefix: request tokens, then answer tokens."""

    tokens: list[int]
    """Suffix, answer and end-of-turn token ids."""
    answer_from: int
    """Index of the first answer token: the loss is taken on ``tokens[answer_from:]``."""
    example: TeacherExample
    """What it was made from."""


class HomePrompts:
    """Encodes the teacher examples of one home."""

    def __init__(
        self,
        core: Understanding,
        states: StateStore,
        llm: LlmConfig,
        tokenizer: Tokenizer,
        examples: int = 0,
    ) -> None:
        self.home = HomeModel.build(core, states, llm)
        self.index = core.index
        self.states = states
        self.tokenizer = tokenizer
        self.examples = examples
        """In-context examples per request (0: the knowledge is in the weights)."""
        self.prefix_text = self.home.prompts.prefix
        self.prefix = tokenizer.encode(self.prefix_text, bos=True)
        """The shared prefix's token ids, beginning-of-text first (as the runtime has it)."""
        self._grammar = _GrammarWalk(tokenizer, self.home.grammar.text)

    def suffix(self, text: str, area: str | None) -> str:
        """The prompt text after the prefix for one request, as the stage writes it."""
        mentions = read_mentions(text, self.index)
        return self.home.ask(text, mentions, area, self.states, (), self.examples)[0].suffix

    def encode(self, example: TeacherExample) -> Encoded | None:
        """Token ids of one example; None when the grammar cannot write its answer."""
        answer = self.tokenizer.encode(example.target)
        if not self._grammar.accepts(answer):
            return None
        suffix = self.tokenizer.encode(self.suffix(example.text, example.area))
        return Encoded([*suffix, *answer, self.tokenizer.end], len(suffix), example)

    def close(self) -> None:
        """Free the compiled grammar."""
        self._grammar.close()


class _GrammarWalk:
    """Feeds answer tokens to llama.cpp's grammar sampler of the stage's grammar."""

    def __init__(self, tokenizer: Tokenizer, grammar: str) -> None:
        from hausgeist.llm_runtime.sampling import CompiledGrammar

        self._end = tokenizer.end
        self._grammar = CompiledGrammar(tokenizer.vocab, grammar)

    def accepts(self, tokens: list[int]) -> bool:
        """Whether the grammar writes exactly these tokens and may end after them."""
        self._grammar.reset()
        for token in tokens:
            if not self._grammar.allows(token):
                return False
            self._grammar.accept(token)
        return self._grammar.allows(self._end)

    def close(self) -> None:
        self._grammar.close()
