"""In-context examples: solved requests of this home, retrieved by TF-IDF similarity.

The bank starts with synthetic examples written by the deterministic core itself: it
is run on templated requests for this home's devices and only the answers it is sure
of (``done`` with confidence 1.0) are kept, so every example is right by
construction. The household's own confirmed requests (what a correction, an answer to
"which one?" or ``hausgeist feedback --right`` showed its words to mean) come first
(:meth:`ExampleBank.set_own`): the model sees how *this* household talks.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from hausgeist.devices.actions import ServiceCall, validate_call
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import ActionError
from hausgeist.llm_stage.grammar import MOST_CALLS, device_offers
from hausgeist.llm_stage.relevance import content_words
from hausgeist.llm_stage.schema import MAX_CALLS, LlmAnswer, LlmCall, RefuseReason
from hausgeist.understanding import Request, Status, Understanding
from hausgeist.understanding.words import as_number, is_sensitive, tokenize

MAX_NAME = 40
"""Longer names are left out of examples (they are likely not names people say)."""

# (domain, request template). "{name}" is a device name or alias.
# No "cannot do that" examples: with them a small model refuses what it could do.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("light", "turn on the {name}"),
    ("light", "switch off the {name}"),
    ("light", "set the {name} to 30 percent"),
    ("light", "make the {name} red"),
    ("switch", "turn on the {name}"),
    ("switch", "switch off the {name}"),
    ("input_boolean", "turn on {name}"),
    ("fan", "turn on the {name}"),
    ("fan", "set the {name} to 50 percent"),
    ("cover", "open the {name}"),
    ("cover", "close the {name}"),
    ("cover", "set the {name} to 50 percent"),
    ("valve", "close the {name}"),
    ("climate", "set the {name} to 21 degrees"),
    ("climate", "turn off the {name}"),
    ("lock", "lock the {name}"),
    ("media_player", "pause the {name}"),
    ("media_player", "set the {name} volume to 40 percent"),
    ("media_player", "next track on the {name}"),
    ("vacuum", "start the {name}"),
    ("vacuum", "send the {name} back to its dock"),
    ("scene", "activate {name}"),
    ("script", "run {name}"),
    ("todo", "add milk to the {name}"),
    ("alarm_control_panel", "arm the {name}"),
    ("water_heater", "set the {name} to 50 degrees"),
    ("humidifier", "turn on the {name}"),
)
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
OWN_FLOOR = 0.3
"""Least similarity for one of the household's own examples to come before the rest: an own
example that shares only a word with the request does not push a closer one out."""
MOST_OWN = 200
"""Own examples kept (the newest)."""
UNKNOWN_DEVICES = ("jacuzzi", "pool pump", "fish tank heater")
"""Devices no templated home is assumed to have: "turn on the jacuzzi" is refused.
(Not "sauna": "it's like a sauna in here" is about the heating.)"""


@dataclass(frozen=True)
class Example:
    """One solved request."""

    text: str
    """What was said."""
    answer: LlmAnswer
    """The answer the model should have given."""


@dataclass(frozen=True)
class OwnExample:
    """One of the household's confirmed requests, as the learner keeps it."""

    text: str
    area: str | None
    calls: tuple[ServiceCall, ...]


class ExampleBank:
    """Solved requests, found again by the words they share with a new request."""

    def __init__(self, examples: Iterable[Example] = ()) -> None:
        self.examples: list[Example] = []
        self._docs: list[Counter[str]] = []
        self._df: Counter[str] = Counter()
        self._vectors: list[dict[str, float]] | None = None
        self._own = 0
        """How many of ``examples`` (at the front) are the household's own."""
        self.extend(examples)

    def __len__(self) -> int:
        return len(self.examples)

    @classmethod
    def synthetic(cls, core: Understanding, states: StateStore) -> ExampleBank:
        """Examples the deterministic core writes for this home's devices."""
        return cls(_synthesize(core, states))

    @property
    def own(self) -> list[Example]:
        """The household's own examples (:meth:`set_own`)."""
        return self.examples[: self._own]

    def set_own(self, examples: Iterable[Example]) -> None:
        """Make ``examples`` the household's own (replacing the earlier ones): they come
        before the others whenever they are about as close to a request."""
        own = list(examples)
        rest = self.examples[self._own :]
        self.examples, self._docs, self._df = [], [], Counter()
        self._own = 0
        self.extend(own)
        self._own = len(self.examples)
        self.extend(rest)

    def extend(self, examples: Iterable[Example]) -> None:
        """Add solved requests (e.g. from the history); duplicates of a text are skipped."""
        seen = {e.text for e in self.examples}
        for example in examples:
            if example.text in seen:
                continue
            seen.add(example.text)
            doc = Counter(_terms(example.text))
            self.examples.append(example)
            self._docs.append(doc)
            self._df.update(doc.keys())
        self._vectors = None  # the weights depend on every document

    def nearest(self, text: str, k: int, among: Collection[str] | None = None) -> list[Example]:
        """The ``k`` most similar examples, least similar first (the closest ends next to the
        request); examples sharing no word with it are never returned.

        With ``among`` (the devices the answer may name), examples whose answer fits it
        come first: calls on those devices only, or a refusal when there are none."""
        if k <= 0 or not self.examples:
            return []
        if self._vectors is None:
            self._vectors = [self._vector(doc) for doc in self._docs]
        query = self._vector(Counter(_terms(text)))
        scored = []
        for i, vector in enumerate(self._vectors):
            if query.keys() & vector.keys():
                similarity = sum(w * vector.get(t, 0.0) for t, w in query.items())
                own = i < self._own and similarity >= OWN_FLOOR
                scored.append((not _fits(self.examples[i].answer, among), not own, -similarity, i))
        best = sorted(scored)[:k]  # ties: the earlier example
        return [self.examples[i] for *_, i in reversed(best)]

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        total = len(self.examples)
        weights = {
            t: c * (math.log((1 + total) / (1 + self._df.get(t, 0))) + 1.0)
            for t, c in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}


class RetoldExamples:
    """The bank's nearest examples, with the request's number put into them and solved again.

    A small model copies numbers from its examples ("to 40 percent" when 30 was asked), so
    an example with one number is rewritten with the request's one number and the core
    decides it anew; when the core is not sure of the new text, the original is kept."""

    def __init__(self, bank: ExampleBank, core: Understanding, states: StateStore) -> None:
        self.bank = bank
        self.core = core
        self.states = states

    def nearest(self, text: str, k: int, among: Collection[str] | None = None) -> list[Example]:
        """Like :meth:`ExampleBank.nearest`, numbers retold."""
        said = [_plain(n) for t in tokenize(text) if (n := as_number(t)) is not None]
        found = self.bank.nearest(text, k, among)
        if len(said) != 1:
            return found
        return [self._retold(e, said[0]) for e in found]

    def _retold(self, example: Example, number: str) -> Example:
        numbers = _NUMBER.findall(example.text)
        if len(numbers) != 1 or numbers[0] == number:
            return example
        text = _NUMBER.sub(number, example.text, count=1)
        decision, _ = self.core.decide(Request(text), self.states)
        calls = decision.actions
        if (
            decision.status is not Status.DONE
            or decision.confidence < 1.0
            or not 0 < len(calls) <= MOST_CALLS
        ):
            return example
        return Example(text, LlmAnswer(calls=[_llm_call(c) for c in calls]))


def own_examples(
    own: Iterable[OwnExample], registry: DeviceRegistry, states: StateStore
) -> list[Example]:
    """The household's confirmed requests the model may be shown (newest first, at most
    :data:`MOST_OWN`): each call still valid for this registry and one the grammar can
    write; none with a sensitive call (the synthetic examples have none either: a lock is
    the policy's, not something to nudge a model towards)."""
    out: list[Example] = []
    seen: set[str] = set()
    for example in own:
        key = example.text.casefold()
        if key in seen or not 0 < len(example.calls) <= MOST_CALLS:
            continue
        if any(is_sensitive(c, registry) for c in example.calls):
            continue
        answer = calls_answer(example.calls, registry, states)
        if answer is None:
            continue
        seen.add(key)
        out.append(Example(example.text, answer))
        if len(out) >= MOST_OWN:
            break
    return out


def calls_answer(
    calls: Sequence[ServiceCall], registry: DeviceRegistry, states: StateStore
) -> LlmAnswer | None:
    """``{"calls": ...}`` when every call is valid and the grammar can write it."""
    if not 0 < len(calls) <= MAX_CALLS:
        return None
    out: list[LlmCall] = []
    for call in calls:
        try:
            checked = validate_call(call, registry, states.get(call.entity_id).attributes)
        except ActionError:
            return None
        device = registry.get(checked.entity_id)
        if device is None or not expressible(checked, device):
            return None
        data = {k: _rounded(v) for k, v in checked.data.items()}
        out.append(LlmCall(entity_id=checked.entity_id, service=checked.service, data=data))
    return LlmAnswer(calls=out)


def expressible(call: ServiceCall, device: Device) -> bool:
    """The grammar offers this service on this device with these data keys."""
    offer = next((o for o in device_offers(device) if o.service == call.service), None)
    return offer is not None and set(call.data) <= {k.key for k in offer.keys}


def _rounded(value: object) -> object:
    """Floats as the grammar writes them (at most two decimals); whole floats stay floats."""
    if isinstance(value, float):
        return round(value, 2)
    return value


def _fits(answer: LlmAnswer, among: Collection[str] | None) -> bool:
    """Whether ``answer`` is one the model may give when it may name only ``among``."""
    if among is None:
        return True
    if not answer.calls:
        return not among
    return all(call.entity_id in among for call in answer.calls)


def _terms(text: str) -> list[str]:
    """Content words, every number one term: "to 70 percent" finds "to 30 percent"."""
    return [
        ("#%" if w.endswith("%") else "#") if as_number(w) is not None else w
        for w in content_words(text)
    ]


def _plain(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)


def _synthesize(core: Understanding, states: StateStore) -> Iterator[Example]:
    for device in core.registry:
        if not device_offers(device):
            continue
        for domain, template in TEMPLATES:
            if domain != device.domain:
                continue
            for name in _names(device):
                example = _solved(core, states, template.format(name=name), device)
                if example is not None:
                    yield example
    for name in UNKNOWN_DEVICES:
        yield from _refused(core, states, f"turn on the {name}", "no_such_device")


def _names(device: Device) -> list[str]:
    names = [device.name, *device.aliases[:2]]
    return [n for n in names if len(n) <= MAX_NAME]


def _solved(core: Understanding, states: StateStore, text: str, device: Device) -> Example | None:
    decision, _ = core.decide(Request(text), states)
    calls = decision.actions
    if (
        decision.status is not Status.DONE
        or decision.confidence < 1.0
        or not 0 < len(calls) <= MOST_CALLS
        or any(not _expressible(c, device) for c in calls)
        or any(is_sensitive(c, core.registry) for c in calls)
    ):
        return None
    return Example(text, LlmAnswer(calls=[_llm_call(c) for c in calls]))


def _refused(
    core: Understanding, states: StateStore, text: str, reason: RefuseReason
) -> Iterator[Example]:
    decision, _ = core.decide(Request(text), states)
    if decision.status is Status.REFUSED and decision.confidence >= 0.9:
        yield Example(text, LlmAnswer(refuse=reason))


def _expressible(call: ServiceCall, device: Device) -> bool:
    """The call targets the templated device with a service and keys the grammar allows."""
    return call.entity_id == device.entity_id and expressible(call, device)


def _llm_call(call: ServiceCall) -> LlmCall:
    return LlmCall(entity_id=call.entity_id, service=call.service, data=dict(call.data))
