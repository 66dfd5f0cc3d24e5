"""The home's side of a federation: what it sends, what it spent, what it adopts.

:func:`contribute` turns this home's learned phrases into a clipped, noised sketch (and the
event that records the ε it spent), refusing past the yearly budget or when the message would
hold a string of the home; :func:`combine` adds contributions (one round) and aggregates
(more rounds); :func:`adopt` reads an aggregate back and turns each pattern at least ``k``
homes hold into phrases for this home's own devices, ranked below everything it learned
itself.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from hausgeist.config.models import FederationConfig
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.errors import FederationError
from hausgeist.federation import privacy
from hausgeist.federation.discovery import Found, discover, threshold
from hausgeist.federation.patterns import (
    Dropped,
    Pattern,
    devices_for,
    home_words,
    idiom_target,
    patterns_of,
    targets,
)
from hausgeist.federation.payload import Payload, Secrets, Shape, cells_of, check
from hausgeist.federation.sketch import SketchShape, encode
from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.home import Home
from hausgeist.learning.idioms import Idiom
from hausgeist.learning.knowledge import Knowledge
from hausgeist.understanding import Request

YEAR = timedelta(days=365)


def shape_of(settings: FederationConfig) -> SketchShape:
    return SketchShape(settings.width, settings.most, 1.0, settings.salt)


@dataclass(frozen=True)
class Spent:
    """This home's privacy spending (``hausgeist federate status``)."""

    rounds: int
    """Contributions sent in the last 365 days."""
    epsilon: float
    """ε at δ = 1e-5 they spent together."""
    budget: float
    next_round: float
    """ε after one more round at the configured noise."""
    until: datetime | None
    """When the oldest round of the year stops counting (None: none sent)."""

    @property
    def allows(self) -> bool:
        return self.next_round <= self.budget + 1e-9


def spent(knowledge: Knowledge, settings: FederationConfig, now: datetime) -> Spent:
    year = [s for s in knowledge.shared if s.time > now - YEAR]
    zs = [s.noise_multiplier for s in year]
    return Spent(
        rounds=len(year),
        epsilon=privacy.epsilon(zs),
        budget=settings.budget_epsilon,
        next_round=privacy.epsilon([*zs, settings.noise_multiplier]),
        until=min(s.time for s in year) + YEAR if year else None,
    )


@dataclass(frozen=True)
class Contribution:
    payload: Payload
    patterns: list[Pattern]
    dropped: list[Dropped]
    event: LearningEvent
    """Records the round's noise (the ε it spent); keep it once the payload is sent."""
    epsilon_total: float
    """ε spent in 365 days once this round counts."""


def contribute(
    knowledge: Knowledge,
    registry: DeviceRegistry,
    settings: FederationConfig,
    guard: Guard,
    *,
    now: datetime,
    to: str,
    rng: np.random.Generator,
    home: str | None = None,
    server_noise: float | None = None,
) -> Contribution:
    """This home's contribution to one round, noised so that it alone is (ε, δ)-private; or,
    for a server that adds ``server_noise`` (times the clip) to the round's sum itself,
    clipped only (the sum is then private at that noise, the message to the server is not)."""
    z = settings.noise_multiplier if server_noise is None else server_noise
    if z <= 0:
        raise FederationError("a round's noise multiplier must be above 0")
    budget = spent(knowledge, settings.model_copy(update={"noise_multiplier": z}), now)
    if not budget.allows and budget.until is None:
        raise FederationError(
            f"one round at noise multiplier {z:g} spends ε {budget.next_round:.2f}, more than "
            f"this home's budget of {budget.budget:g} (federation.budget_epsilon): raise the "
            "noise or the budget"
        )
    if not budget.allows:
        raise FederationError(
            f"this home's privacy budget is spent: one more round would make ε "
            f"{budget.next_round:.2f} in 365 days (budget {budget.budget:g}); it stops "
            f"contributing until {budget.until:%Y-%m-%d} or a larger federation.budget_epsilon"
        )
    shape = shape_of(settings)
    found, dropped = patterns_of(knowledge, registry, guard.lexicon, guard.private, now)
    strongest = sorted(found, key=lambda p: _strength(knowledge, p, now), reverse=True)
    chosen = strongest[: shape.most]
    sketch = encode(chosen, shape)
    own_noise = z * shape.clip if server_noise is None else 0.0
    if own_noise:
        sketch = sketch + rng.normal(0.0, own_noise, (3, shape.width))
    payload = Payload(
        kind="contribution",
        shape=Shape.of(shape),
        lexicon_size=settings.lexicon_size,
        rounds=1,
        homes=[1],
        noise_std=own_noise,
        noise_multiplier=z,
        epsilon=privacy.epsilon([z]),
        delta=privacy.DELTA,
        cells=cells_of(sketch),
    )
    check(payload, guard.secrets, to)
    event = LearningEvent(
        EventKind.SHARED,
        now,
        {"noise_multiplier": z, "to": to, "patterns": len(chosen), "epsilon": payload.epsilon},
        home=home,
    )
    return Contribution(payload, chosen, dropped, event, budget.next_round)


HISTORY_READ = 100_000
"""The newest requests whose words the scanner looks for."""


@dataclass(frozen=True)
class Guard:
    """What a contribution is built from and checked against (built once, outside any lock:
    reading the history and compiling its strings is the slow part)."""

    secrets: Secrets
    """Every string of the home: no message holding one is sent."""
    private: frozenset[str]
    """Words no shared pattern may hold."""
    lexicon: frozenset[str]
    """The public words a shared pattern may use."""


def guard_of(
    registry: DeviceRegistry, home: str | None, texts: Sequence[str], lexicon: Iterable[str]
) -> Guard:
    """The guard for a home: its registry, its configured name and its history's requests."""
    secrets, private = secrets_of(registry, [home] if home else [], texts)
    return Guard(secrets, private, frozenset(lexicon))


def _strength(knowledge: Knowledge, pattern: Pattern, now: datetime) -> tuple[float, int]:
    """How strongly this home holds a pattern: its evidence, then how often it was used (an
    idiom, confirmed in words, as strongly as a phrase a correction taught)."""
    if pattern.idiom is not None:
        confirmed = [
            m
            for m in knowledge.meant.values()
            if m.idiom and idiom_target(m.idiom) == pattern.target
        ]
        return (knowledge.settings.min_evidence, len(confirmed)) if confirmed else (0.0, 0)
    return max(
        (
            (round(p.strength(now, knowledge.settings), 2), p.uses)
            for p in knowledge.phrases.values()
            if p.origin is None and p.phrase == pattern.phrase
        ),
        default=(0.0, 0),
    )


def combine(payloads: Sequence[Payload]) -> Payload:
    """Contributions summed as one round, aggregates added as further rounds."""
    if not payloads:
        raise FederationError("nothing to aggregate: name contribution or aggregate files")
    first = payloads[0]
    for p in payloads[1:]:
        if (p.shape, p.lexicon, p.lexicon_size) != (first.shape, first.lexicon, first.lexicon_size):
            raise FederationError(
                "the files were made with different sketch settings or lexicons "
                "(federation.width/most/salt/lexicon_size must match in every home)"
            )
    contributions = [p for p in payloads if p.kind == "contribution"]
    aggregates = [p for p in payloads if p.kind == "aggregate"]
    total = sum((p.sum() for p in payloads), start=np.zeros_like(first.sum()))
    homes = ([len(contributions)] if contributions else []) + [
        h for a in aggregates for h in a.homes
    ]
    noise = math.sqrt(sum(p.noise_std**2 for p in payloads))
    return Payload(
        kind="aggregate",
        shape=first.shape,
        lexicon=first.lexicon,
        lexicon_size=first.lexicon_size,
        rounds=len(homes),
        homes=homes,
        noise_std=noise,
        noise_multiplier=max(p.noise_multiplier for p in payloads),
        epsilon=max(p.epsilon for p in payloads),
        delta=first.delta,
        secure_aggregation=(
            "SecAgg+" if all(p.secure_aggregation == "SecAgg+" for p in payloads) else None
        ),
        cells=cells_of(total),
    )


def origin_of(aggregate: Payload) -> str:
    return hashlib.sha256(aggregate.text().encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Adoption:
    found: list[Found]
    """Patterns the aggregate holds for at least k homes."""
    events: list[LearningEvent]
    """Phrases for this home's devices: keep them to adopt."""
    threshold: float
    """Homes a pattern had to count."""
    origin: str


def adopt(
    aggregate: Payload,
    knowledge: Knowledge,
    registry: DeviceRegistry,
    settings: FederationConfig,
    lexicon: Sequence[str],
    *,
    now: datetime,
    home: str | None = None,
    reads: Callable[[str, str | None], bool] | None = None,
) -> Adoption:
    """What ``aggregate`` teaches this home. ``reads`` (:func:`core_reads`): whether the core
    already acts on words said from an area; there the home's own configuration decides
    them (a near-alias like "big lamp" for "big light" included) and nothing is adopted. An
    idiom is adopted only with ``reads`` to check it by: where its action's words act on one
    of this home's rooms at least, and its own words act on none."""
    shape = aggregate.shape.sketch()
    mean = aggregate.sum() / aggregate.rounds
    noise = aggregate.noise_std / aggregate.rounds / shape.weight
    found = discover(mean, shape, lexicon, targets(), settings.k, noise)
    origin = origin_of(aggregate)
    configured = {
        " ".join(n.casefold().split()) for d in registry for n in (d.name, *d.aliases)
    } | {
        " ".join(n.casefold().split())
        for a in registry.areas.values()
        for n in (a.name, *a.aliases)
    }
    events: list[LearningEvent] = []
    for f in found:
        if f.pattern.phrase in configured:
            continue
        idiom = f.pattern.idiom
        if idiom is not None:
            if reads is not None and _fits(idiom, registry, reads):
                adopted: dict[str, Any] = {"idiom": idiom.data(), "origin": origin}
                adopted["pattern"] = f.pattern.key
                adopted["homes"] = round(f.homes, 2)
                events.append(LearningEvent(EventKind.ADOPT, now, adopted, home=home))
            continue
        for area, devices in devices_for(registry, f.pattern.target).items():
            if len(devices) != 1 or (
                reads is not None and reads(f"turn on the {f.pattern.phrase}", area)
            ):
                continue
            data: dict[str, Any] = {
                "phrase": f.pattern.phrase,
                "entity_id": devices[0].entity_id,
                "area": area,
                "origin": origin,
                "pattern": f.pattern.key,
                "homes": round(f.homes, 2),
                "weight": knowledge.settings.min_evidence,
            }
            events.append(LearningEvent(EventKind.ADOPT, now, data, home=home))
    return Adoption(found, events, threshold(settings.k, noise), origin)


def _fits(idiom: Idiom, registry: DeviceRegistry, reads: Callable[[str, str | None], bool]) -> bool:
    """Whether an idiom acts here: its action on one room at least, its words on none."""
    rooms = list(registry.areas.values())
    if not any(reads(idiom.says(a), None) for a in rooms):
        return False
    said = [f"{idiom.text} the {a.name}" for a in rooms] if idiom.slot else [idiom.text]
    return not any(reads(text, a.id) for text in said for a in rooms)


def core_reads(home: Home) -> Callable[[str, str | None], bool]:
    """Whether ``home``'s core, with nothing learned, acts on a request said from an area
    (None: from nowhere in particular)."""

    def reads(text: str, area: str | None) -> bool:
        decision, _ = home.understanding.decide(Request(text, area), home.states)
        return bool(decision.actions or decision.pending)

    return reads


def secrets_of(
    registry: DeviceRegistry, names: Iterable[str], texts: Sequence[str]
) -> tuple[Secrets, frozenset[str]]:
    """What this home must never send: every string of its registry, the configuration's
    other names (``names``) and its history's requests (``texts``); and the words no shared
    pattern may hold (the home's names, and words its history writes as names: capitalised
    after the first word)."""
    strings: list[str] = [*names, *texts]
    for device in registry:
        strings += [device.name, *device.aliases, device.entity_id, device.object_id]
    for area in registry.areas.values():
        strings += [area.name, *area.aliases, area.id]
    proper = [w for t in texts for w in t.split()[1:] if w[:1].isupper() and w[1:].islower()]
    return Secrets(strings), home_words(registry, [*names, *proper])
