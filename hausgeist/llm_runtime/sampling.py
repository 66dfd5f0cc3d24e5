"""Greedy token choice under a GBNF grammar, checking the likeliest tokens before the vocabulary.

llama-cpp-python 0.3.36 puts the grammar into a sampler chain that masks the whole
vocabulary at every step (49k tokens for SmolLM2, 262k for Gemma 3). llama.cpp's
own ``common_sampler`` first asks the grammar about the token it would pick anyway
and masks the vocabulary only when that token is refused; the library does not
expose that path (it lives in llama.cpp's ``common``, not in ``libllama``), so it
is rebuilt here from the public sampler API, and goes one step further: when the top
token is refused, the next likeliest are asked one by one (``TRIED_FIRST``) before the
vocabulary is masked. The first token allowed is the masked argmax, so with greedy
decoding every way picks exactly the same token.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

import llama_cpp
import numpy as np
import numpy.typing as npt

from hausgeist.errors import ModelError

Logits = npt.NDArray[np.float32]

_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class CompiledGrammar:
    """A GBNF grammar parsed by llama.cpp for one model's vocabulary, with its parse state."""

    def __init__(self, vocab: llama_cpp.llama_vocab_p, text: str) -> None:
        pointer = llama_cpp.llama_sampler_init_grammar(vocab, text.encode("utf-8"), b"root")
        if not pointer:  # llama.cpp returns NULL and logs the parse error to stderr
            raise ModelError(
                "llama.cpp rejected the GBNF grammar (see its message on stderr): it needs "
                "a 'root' rule, every rule it uses defined, and no left recursion"
            )
        self._sampler = pointer
        self._one = llama_cpp.llama_token_data(0, 0.0, 0.0)
        self._one_array = llama_cpp.llama_token_data_array(
            data=ctypes.pointer(self._one), size=1, selected=-1, sorted=False
        )

    def reset(self) -> None:
        """Start again from the grammar's first rule."""
        llama_cpp.llama_sampler_reset(self._sampler)

    def allows(self, token: int) -> bool:
        """Whether ``token`` may come next in the current parse state."""
        self._one.id = llama_cpp.llama_token(token)
        self._one.logit = 0.0
        self._one_array.size = 1
        self._one_array.selected = -1
        llama_cpp.llama_sampler_apply(self._sampler, ctypes.byref(self._one_array))
        return not math.isinf(self._one.logit)

    def mask(self, candidates: llama_cpp.llama_token_data_array) -> None:
        """Set the logit of every token the grammar refuses to minus infinity."""
        llama_cpp.llama_sampler_apply(self._sampler, ctypes.byref(candidates))

    def accept(self, token: int) -> None:
        """Advance the parse state past ``token`` (which must be allowed, and not end-of-text)."""
        llama_cpp.llama_sampler_accept(self._sampler, token)

    def close(self) -> None:
        """Free the llama.cpp sampler."""
        if self._sampler:
            llama_cpp.llama_sampler_free(self._sampler)
            self._sampler = None


@dataclass(frozen=True)
class Pick:
    """The chosen token and what choosing it took."""

    token: int
    """Token id."""
    logprob: float
    """Its log-probability under the model's unmasked distribution."""
    full_scan: bool
    """Whether the grammar had to mask the whole vocabulary."""
    choice_logprob: float = 0.0
    """Its log-probability among the tokens the grammar allowed (among the likeliest ones
    asked, when the whole vocabulary was not masked): how sure the model was of this
    choice against what it could have chosen instead."""


class GreedySampler:
    """Picks the most likely token the grammar allows."""

    def __init__(self, n_vocab: int, top_token_first: bool = True) -> None:
        self._top_token_first = top_token_first
        self._data = np.zeros(n_vocab, dtype=_TOKEN_DATA)
        self._data["id"] = np.arange(n_vocab, dtype=np.intc)
        self._candidates = llama_cpp.llama_token_data_array(
            data=self._data.ctypes.data_as(llama_cpp.llama_token_data_p),
            size=n_vocab,
            selected=-1,
            sorted=False,
        )

    def pick(self, logits: Logits, grammar: CompiledGrammar | None) -> Pick:
        """Choose the next token from the last position's logits."""
        top = int(np.argmax(logits))
        if grammar is None:
            logprob = _log_softmax_at(logits, top)
            return Pick(top, logprob, full_scan=False, choice_logprob=logprob)
        if self._top_token_first:
            allowed = [t for t in _best_first(logits, top) if grammar.allows(t)]
            if allowed:  # the first allowed: every likelier token was refused (masked argmax)
                token = allowed[0]
                among = _log_softmax_at(logits[allowed], 0)
                return Pick(
                    token, _log_softmax_at(logits, token), full_scan=False, choice_logprob=among
                )
        token = self._masked_argmax(logits, grammar)
        masked = self._data["logit"]  # refused tokens are -inf: no weight; the pick is its max
        among = _log_softmax_at(masked, int(np.argmax(masked)))
        return Pick(token, _log_softmax_at(logits, token), full_scan=True, choice_logprob=among)

    def _masked_argmax(self, logits: Logits, grammar: CompiledGrammar) -> int:
        self._data["logit"] = logits
        self._candidates.size = len(self._data)
        self._candidates.selected = -1
        self._candidates.sorted = False
        grammar.mask(self._candidates)
        best = int(np.argmax(self._data["logit"]))
        if math.isinf(float(self._data["logit"][best])):
            raise ModelError("the grammar allows no next token; it cannot be completed")
        return int(self._data["id"][best])


TRIED_FIRST = 8
"""Likeliest tokens asked of the grammar one by one before it masks the whole vocabulary."""


def _best_first(logits: Logits, top: int) -> list[int]:
    """The ``TRIED_FIRST`` likeliest tokens, likeliest first (``top`` leads)."""
    head = np.argpartition(logits, -TRIED_FIRST)[-TRIED_FIRST:]
    ordered = [int(t) for t in head[np.argsort(-logits[head], kind="stable")]]
    return [top, *(t for t in ordered if t != top)]


def _log_softmax_at(values: npt.NDArray[np.float32], index: int) -> float:
    """log(softmax(values)[index]), computed stably (entries of -inf count as zero)."""
    peak = float(values.max())
    total = float(np.exp(values - peak, dtype=np.float64).sum())
    return float(values[index]) - peak - math.log(total)
