"""One long-lived ``Llama``: prompt evaluation with KV prefix reuse, then greedy decoding.

Prefix reuse follows ``Llama.generate`` in llama-cpp-python 0.3.36: the tokens
already in the KV cache (``input_ids[:n_tokens]``) are compared with the new
prompt, the cache is cut after the longest common prefix (``Llama.eval`` starts
with ``kv_cache_seq_rm`` from ``n_tokens``), and only the rest is evaluated. It is
redone here rather than called, because the token loop needs a deadline check
per step, the grammar's top-token-first check and the count of cached tokens.

Not thread-safe: exactly one worker thread owns an engine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import llama_cpp
import numpy as np

from hausgeist.errors import ModelError
from hausgeist.llm_runtime.cores import CoreWatch
from hausgeist.llm_runtime.grammar_cache import GrammarCache
from hausgeist.llm_runtime.kept import KeptPrefixes
from hausgeist.llm_runtime.options import available_cores
from hausgeist.llm_runtime.sampling import CompiledGrammar, GreedySampler, Logits
from hausgeist.llm_stage.generation import (
    FinishReason,
    Forcer,
    Generation,
    GenerationRequest,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from hausgeist.llm_runtime.options import RuntimeOptions
    from hausgeist.llm_runtime.stop import StopSignal


@dataclass
class _Decoded:
    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    choices: list[float] = field(default_factory=list)
    forced: list[bool] = field(default_factory=list)
    finish_reason: FinishReason = "stop"
    full_scans: int = 0
    steps: int = 0
    prompt_ms: float | None = None

    def add(
        self, tokens: list[int], logprob: float | None, max_tokens: int, choice: float = 0.0
    ) -> bool:
        """Append generated (``logprob``) or forced (None) tokens; True when the answer is full."""
        self.tokens += tokens
        self.logprobs += [0.0 if logprob is None else logprob] * len(tokens)
        self.choices += [choice] * len(tokens)
        self.forced += [logprob is None] * len(tokens)
        if len(self.tokens) < max_tokens:
            return False
        self.finish_reason = "length"
        return True


class LlamaEngine:
    """Runs requests one after another on one loaded model."""

    def __init__(self, llama: llama_cpp.Llama, options: RuntimeOptions) -> None:
        self.llama = llama
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
        self._n_vocab = llama.n_vocab()
        self._sampler = GreedySampler(self._n_vocab, options.top_token_first)
        self.grammars = GrammarCache(self._vocab, options.grammar_cache_size)
        self._chunk = options.prompt_chunk
        self._prefix: tuple[str, list[int]] = ("", [])
        self._forced_tokens: dict[str, list[int]] = {}
        self._most_threads = self._threads = options.threads
        self._cores = CoreWatch(available_cores()) if options.adapt_threads else None
        self._kept = (
            KeptPrefixes(options.kept_prefixes, llama)
            if options.kept_prefixes is not None
            else None
        )

    def prime(self, prefix: str, stop: StopSignal) -> int:
        """Evaluate ``prefix`` now so the next request starting with it reuses it; new tokens."""
        tokens = self._prefix_tokens(prefix)
        if not tokens:
            return 0
        self._choose_threads()
        llama = self.llama
        if _common_prefix(llama.input_ids[: llama.n_tokens], tokens) == len(tokens):
            return 0
        if self._kept is not None and self._kept.restore(tokens):
            return 0  # evaluated by an earlier process
        cached = self._feed(tokens, stop, need_logits=False)  # the cache now holds exactly it
        if self._kept is not None:
            self._kept.keep(tokens)
        return len(tokens) - cached

    def generate(self, request: GenerationRequest, stop: StopSignal) -> Generation:
        """Answer one request; raises ModelTimeoutError as soon as ``stop`` says so."""
        started = time.monotonic()
        stop.check()
        grammar = self.grammars.get(request.grammar) if request.grammar is not None else None
        threads = self._choose_threads()
        prefix = self._prefix_tokens(request.prefix)
        prompt = prefix + self._tokenize(request.suffix, bos=not prefix)
        max_tokens = self._room_for(prompt, request.max_tokens)
        cached = self._reuse(prompt)
        forcer = request.forcer if grammar is not None else None
        decoded = self._decode(grammar, max_tokens, stop, forcer, prompt[cached:])
        text = self._text(decoded.tokens)
        return Generation(
            text=text,
            token_logprobs=tuple(decoded.logprobs),
            token_choice_logprobs=tuple(decoded.choices),
            token_texts=tuple(self._piece(token) for token in decoded.tokens),
            prompt_tokens=len(prompt),
            prompt_tokens_evaluated=len(prompt) - cached,
            completion_tokens=len(decoded.tokens),
            prefix_reused=bool(prefix) and cached >= len(prefix),
            finish_reason=decoded.finish_reason,
            prompt_ms=decoded.prompt_ms or 0.0,
            elapsed_ms=(time.monotonic() - started) * 1000,
            queued_ms=(started - stop.submitted) * 1000,
            grammar_full_scans=decoded.full_scans,
            token_forced=tuple(decoded.forced),
            model_steps=decoded.steps,
            threads=threads,
        )

    def close(self) -> None:
        """Free the grammars and the model."""
        if self._cores is not None:
            self._cores.close()
        self.grammars.close()
        self.llama.close()

    def _choose_threads(self) -> int:
        """The threads for the next evaluation: fixed, or the cores free right now."""
        if self._cores is not None:
            wanted = self._cores.threads(self._most_threads)
            if wanted != self._threads:
                llama_cpp.llama_set_n_threads(self.llama.ctx, wanted, wanted)
                self._threads = wanted
        return self._threads

    def _prefix_tokens(self, prefix: str) -> list[int]:
        text, tokens = self._prefix
        if text != prefix or not tokens:
            tokens = self._tokenize(prefix, bos=True)
            self._prefix = (prefix, tokens)
        return list(tokens)

    def _piece(self, token: int) -> str:
        return self.llama.detokenize([token]).decode("utf-8", errors="replace")

    def _tokenize(self, text: str, *, bos: bool, special: bool = True) -> list[int]:
        if not text:
            return []
        # special=True: chat markers such as <|im_start|> in the prompt are control tokens.
        return self.llama.tokenize(text.encode("utf-8"), add_bos=bos, special=special)

    def _room_for(self, prompt: list[int], max_tokens: int) -> int:
        n_ctx = self.llama.n_ctx()
        if not prompt:
            raise ModelError("the prompt is empty: give a prefix or a suffix")
        if len(prompt) >= n_ctx:
            raise ModelError(
                f"the prompt has {len(prompt)} tokens but the context holds {n_ctx}; "
                "raise the model's n_ctx or shorten the prompt (fewer devices or examples)"
            )
        return min(max_tokens, n_ctx - len(prompt))

    def _feed(self, prompt: list[int], stop: StopSignal, need_logits: bool = True) -> int:
        """Bring the KV cache to ``prompt``; returns how many tokens were already there."""
        cached = self._reuse(prompt, need_logits)
        self._eval(prompt[cached:], stop)
        return cached

    def _reuse(self, prompt: list[int], need_logits: bool = True) -> int:
        """Cut the KV cache after what it shares with ``prompt``; returns that length."""
        llama = self.llama
        cached = _common_prefix(llama.input_ids[: llama.n_tokens], prompt)
        if need_logits:  # the last prompt token is run again: its logits start the answer
            cached = min(cached, len(prompt) - 1)
        llama.n_tokens = cached
        return cached

    def _eval(self, tokens: list[int], stop: StopSignal) -> None:
        """Run ``tokens`` through the model in chunks, checking the deadline between them."""
        for start in range(0, len(tokens), self._chunk):
            stop.check()
            self.llama.eval(tokens[start : start + self._chunk])

    def _decode(
        self,
        grammar: CompiledGrammar | None,
        max_tokens: int,
        stop: StopSignal,
        forcer: Forcer | None,
        unfed: list[int],
    ) -> _Decoded:
        """Answer after the prompt, of which ``unfed`` is not yet in the KV cache.

        Tokens are run through the model only when their logits are needed for a choice:
        the prompt goes in one batch with the text the grammar forces at the start, and
        text that is forced to the end of the answer is never evaluated at all."""
        out = _Decoded()
        pending = list(unfed)
        forcing = forcer if grammar is not None else None
        ahead = forcing("") if forcing is not None else None
        while True:
            stop.check(len(out.tokens))
            if grammar is not None and ahead is not None and forcing is not None:
                if ahead.done:  # the grammar is complete: no step for the end-of-text token
                    return out
                batch = self._forced(ahead.text, grammar, max_tokens - len(out.tokens))
                if batch:
                    if out.add(batch, None, max_tokens):
                        return out
                    pending += batch
                    ahead = forcing(self._text(out.tokens))
                    continue
            if pending:
                self._run(pending, stop, out)
                pending = []
            pick = self._sampler.pick(self._last_logits(), grammar)
            out.full_scans += pick.full_scan
            if llama_cpp.llama_vocab_is_eog(self._vocab, pick.token):
                return out
            if out.add([pick.token], pick.logprob, max_tokens, pick.choice_logprob):
                return out
            if grammar is not None:
                grammar.accept(pick.token)
            pending = [pick.token]
            if forcing is not None:
                ahead = forcing(self._text(out.tokens))

    def _run(self, tokens: list[int], stop: StopSignal, out: _Decoded) -> None:
        """Evaluate tokens the next choice needs; the first run holds the prompt's rest."""
        if out.prompt_ms is None:
            started = time.monotonic()
            self._eval(tokens, stop)
            out.prompt_ms = (time.monotonic() - started) * 1000
        else:
            self.llama.eval(tokens)
            out.steps += 1

    def _forced(self, text: str, grammar: CompiledGrammar, room: int) -> list[int]:
        """The tokens of ``text`` the grammar accepts, in order (accepted into it); at most ``room``."""
        if not text:
            return []
        tokens = self._forced_tokens.get(text)
        if tokens is None:
            tokens = self._tokenize(text, bos=False, special=False)
            if self._text(tokens) != text:  # a tokenizer that adds or drops text: do not force
                tokens = []
            if len(self._forced_tokens) < _FORCED_CACHE:
                self._forced_tokens[text] = tokens
        accepted: list[int] = []
        for token in tokens[:room]:
            if not grammar.allows(token):
                break
            grammar.accept(token)
            accepted.append(token)
        return accepted

    def _text(self, tokens: list[int]) -> str:
        return self.llama.detokenize(tokens).decode("utf-8", errors="replace") if tokens else ""

    def _last_logits(self) -> Logits:
        pointer = llama_cpp.llama_get_logits_ith(self.llama.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self._n_vocab,))


_FORCED_CACHE = 4096
"""Forced texts whose tokens are remembered (they repeat: key names, entity-id tails)."""


def _common_prefix(cached: npt.NDArray[np.intc], prompt: Sequence[int]) -> int:
    length = min(len(cached), len(prompt))
    if length == 0:
        return 0
    differs = np.flatnonzero(cached[:length] != np.asarray(prompt[:length], dtype=np.intc))
    return int(differs[0]) if differs.size else length
