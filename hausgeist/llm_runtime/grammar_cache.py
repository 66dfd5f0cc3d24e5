"""Compiled grammars kept by the hash of their text: parsed once, not per request."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING

from hausgeist.llm_runtime.sampling import CompiledGrammar

if TYPE_CHECKING:
    import llama_cpp


class GrammarCache:
    """The most recently used compiled grammars of one model (least recently used dropped first)."""

    def __init__(self, vocab: llama_cpp.llama_vocab_p, capacity: int = 8) -> None:
        self._vocab = vocab
        self._capacity = capacity
        self._grammars: OrderedDict[str, CompiledGrammar] = OrderedDict()
        self.compiled = 0
        """How many grammars were parsed (cache misses) since the start."""

    def __len__(self) -> int:
        return len(self._grammars)

    def get(self, text: str) -> CompiledGrammar:
        """The grammar for ``text``, reset to its start."""
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        grammar = self._grammars.get(key)
        if grammar is None:
            grammar = CompiledGrammar(self._vocab, text)
            self.compiled += 1
            self._grammars[key] = grammar
            while len(self._grammars) > self._capacity:
                self._grammars.popitem(last=False)[1].close()
        else:
            self._grammars.move_to_end(key)
            grammar.reset()
        return grammar

    def close(self) -> None:
        """Free every compiled grammar."""
        for grammar in self._grammars.values():
            grammar.close()
        self._grammars.clear()
