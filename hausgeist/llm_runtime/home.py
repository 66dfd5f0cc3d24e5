"""What the LLM stage knows about one home: its grammar, example bank and prompt writer.

Built on the first hand-over and rebuilt only when the registry's fingerprint changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from hausgeist.config.models import LlmConfig
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.llm_runtime.agreement import Agreement
from hausgeist.llm_runtime.examples import ExampleBank, RetoldExamples
from hausgeist.llm_runtime.forced import AnswerForcer
from hausgeist.llm_runtime.grammar import (
    DecisionGrammar,
    build_grammar,
    device_offers,
    registry_fingerprint,
)
from hausgeist.llm_runtime.prompt import PromptBuilder
from hausgeist.understanding import Understanding


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

    @classmethod
    def build(cls, core: Understanding, states: StateStore, config: LlmConfig) -> HomeModel:
        """Grammar, synthetic examples (the core decides them) and the fixed prompt."""
        grammar = build_grammar(core.registry)
        bank = ExampleBank.synthetic(core, states)
        offers = {d.entity_id: device_offers(d) for d in core.registry}
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
        return cls(grammar, bank, prompts, Agreement(core.registry), forcer)

    def matches(self, registry: DeviceRegistry) -> bool:
        """Whether this was built from a registry with the same contents."""
        return self.grammar.fingerprint == registry_fingerprint(registry)
