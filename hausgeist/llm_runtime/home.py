"""What the LLM stage knows about one home: its grammar, example bank and prompt writer.

Built on the first hand-over and rebuilt only when the registry's fingerprint changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from hausgeist.config.models import LlmConfig
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.llm_runtime.agreement import Agreement
from hausgeist.llm_runtime.examples import ExampleBank, RetoldExamples
from hausgeist.llm_runtime.forced import AnswerForcer
from hausgeist.llm_runtime.grammar import (
    DecisionGrammar,
    Offer,
    device_offers,
    grammar_of,
    narrow,
    registry_fingerprint,
)
from hausgeist.llm_runtime.prompt import PromptBuilder
from hausgeist.understanding import Understanding

_KEPT = 32
"""Narrowed grammars kept per home (most recently used)."""


@dataclass(frozen=True)
class Narrowed:
    """What the model may write for one request."""

    grammar: str
    """GBNF text."""
    forcer: AnswerForcer
    """Its jump-forward."""
    entities: int
    """Devices it lets the model name."""


@dataclass(frozen=True)
class HomeModel:
    """One registry, made ready for the model."""

    grammar: DecisionGrammar
    """The decision grammar (its fingerprint identifies the registry)."""
    bank: ExampleBank
    """Solved requests for in-context examples."""
    prompts: PromptBuilder
    """Writes each request's prompt."""
    agreement: Agreement
    """Checks answers against what the core reads in the words."""
    forcer: AnswerForcer
    """The text the grammar forces, for jump-forward decoding."""
    offers: Mapping[str, tuple[Offer, ...]]
    """Each device's offers, as the grammar has them (registry order)."""
    _narrowed: OrderedDict[frozenset[tuple[str, frozenset[str]]], Narrowed] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def build(cls, core: Understanding, states: StateStore, config: LlmConfig) -> HomeModel:
        """Grammar, synthetic examples (the core decides them) and the fixed prompt."""
        offers = {d.entity_id: device_offers(d) for d in core.registry}
        grammar = grammar_of(offers, registry_fingerprint(core.registry))
        bank = ExampleBank.synthetic(core, states)
        devices = [d for d in core.registry if offers[d.entity_id]]
        prompts = PromptBuilder(
            core.registry,
            devices,
            RetoldExamples(bank, core, states),
            max_listed=config.max_devices,
            examples=config.examples,
            listed=config.device_list,
        )
        forcer = AnswerForcer({e: o for e, o in offers.items() if o})
        return cls(grammar, bank, prompts, Agreement(core.registry), forcer, offers)

    def narrowed(self, focus: Mapping[str, frozenset[str]] | None) -> Narrowed:
        """The grammar and jump-forward for answers within ``focus`` (:meth:`Agreement.focus`);
        the whole home's when it is None. The last few are kept."""
        if focus is None:
            return Narrowed(self.grammar.text, self.forcer, self.grammar.entities)
        key = frozenset(focus.items())
        with self._lock:
            found = self._narrowed.get(key)
            if found is not None:
                self._narrowed.move_to_end(key)
                return found
        offers = narrow(self.offers, focus)
        grammar = grammar_of(offers, self.grammar.fingerprint)
        forcer = AnswerForcer({e: o for e, o in offers.items() if o})
        found = Narrowed(grammar.text, forcer, grammar.entities)
        with self._lock:
            self._narrowed[key] = found
            while len(self._narrowed) > _KEPT:
                self._narrowed.popitem(last=False)
        return found

    def matches(self, registry: DeviceRegistry) -> bool:
        """Whether this was built from a registry with the same contents."""
        return self.grammar.fingerprint == registry_fingerprint(registry)
