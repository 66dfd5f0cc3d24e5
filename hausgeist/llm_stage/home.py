"""What the LLM stage knows about one home: its grammar, example bank and prompt writer.

Built on the first hand-over and rebuilt only when the registry's fingerprint changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hausgeist.config.models import LlmConfig
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.llm_stage.agreement import Agreement
from hausgeist.llm_stage.examples import ExampleBank, RetoldExamples
from hausgeist.llm_stage.forced import AnswerForcer
from hausgeist.llm_stage.grammar import (
    DecisionGrammar,
    Offer,
    device_offers,
    grammar_of,
    narrow,
    registry_fingerprint,
)
from hausgeist.llm_stage.mentions import Mentions
from hausgeist.llm_stage.prompt import Prompt, PromptBuilder
from hausgeist.llm_stage.verbs import STEPS, VALUED
from hausgeist.understanding import Understanding

_KEPT = 32
"""Narrowed grammars kept per home (most recently used)."""


_Key = tuple[frozenset[tuple[str, frozenset[str]]], bool, int]
"""A narrowed grammar's key: the focus, whether data is needed, the least calls."""


@dataclass(frozen=True)
class Narrowed:
    """What the model may write for one request."""

    grammar: str
    """GBNF text."""
    forcer: AnswerForcer
    """Its jump-forward."""
    targets: tuple[str, ...]
    """Entity ids it lets the model name (registry order)."""
    whole: bool
    """The whole home's grammar: the words narrowed nothing."""

    @classmethod
    def of(
        cls,
        offers: Mapping[str, tuple[Offer, ...]],
        fingerprint: str,
        whole: bool,
        least_calls: int = 1,
    ) -> Narrowed:
        """The grammar and jump-forward of these offers."""
        grammar = grammar_of(offers, fingerprint, least_calls)
        usable = {e: o for e, o in offers.items() if o}
        forcer = AnswerForcer(usable, grammar.most_calls, grammar.least_calls)
        return cls(grammar.text, forcer, tuple(usable), whole)

    @property
    def entities(self) -> int:
        """How many devices the model may name."""
        return len(self.targets)


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
    whole: Narrowed
    """The home's own grammar and jump-forward, for requests whose words narrow nothing."""
    offers: Mapping[str, tuple[Offer, ...]]
    """Each device's offers, as the grammar has them (registry order)."""
    _narrowed: OrderedDict[_Key, Narrowed] = field(
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
        whole = Narrowed.of(offers, grammar.fingerprint, whole=True)
        return cls(grammar, bank, prompts, Agreement(core.registry), whole, offers)

    def narrowed(
        self,
        focus: Mapping[str, frozenset[str]] | None,
        data_needed: bool = False,
        least_calls: int = 1,
    ) -> Narrowed:
        """The grammar and jump-forward for answers within ``focus`` (:meth:`Agreement.focus`;
        with ``data_needed``, every call that can carry data must; an answer with calls holds
        at least ``least_calls``); the whole home's when ``focus`` is None. The last few are
        kept."""
        if focus is None:
            return self.whole
        key = (frozenset(focus.items()), data_needed, least_calls)
        with self._lock:
            found = self._narrowed.get(key)
            if found is not None:
                self._narrowed.move_to_end(key)
                return found
        offers = narrow(self.offers, focus, data_needed)
        found = Narrowed.of(offers, self.grammar.fingerprint, whole=False, least_calls=least_calls)
        with self._lock:
            self._narrowed[key] = found
            while len(self._narrowed) > _KEPT:
                self._narrowed.popitem(last=False)
        return found

    def ask(
        self,
        text: str,
        mentions: Mentions,
        area: str | None,
        states: StateStore,
        previous: Sequence[str] = (),
        examples: int | None = None,
    ) -> tuple[Prompt, Narrowed]:
        """One request's prompt and what the model may answer: the words' reading narrows
        the grammar, and the prompt lists only what is left. States are given only where
        the words ask for a step ("warmer", "a bit brighter") or read no verb at all: to
        switch, open or set a device, its state does not matter and costs prompt tokens.
        When every action read gives a value or a step ("at 60 percent", "brighten"), a call
        that can carry data must carry some; when the words name more devices than one call
        can act on, an answer holds that many calls: the agreement check turns down less."""
        valued = bool(mentions.actions) and mentions.actions <= VALUED | STEPS
        focus = self.agreement.focus(mentions)
        least = 1
        if focus is not None:
            reachable = [e for e, o in narrow(self.offers, focus).items() if o]
            least = self.agreement.least_calls(mentions, reachable)
        allowed = self.narrowed(focus, data_needed=valued, least_calls=least)
        among = None if allowed.whole else allowed.targets
        state = not mentions.actions or bool(mentions.actions & STEPS)
        prompt = self.prompts.build(text, area, states, previous, examples, among, state)
        return prompt, allowed

    def matches(self, registry: DeviceRegistry) -> bool:
        """Whether this was built from a registry with the same contents."""
        return self.grammar.fingerprint == registry_fingerprint(registry)
