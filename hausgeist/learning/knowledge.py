"""What the events add up to: learned phrases and habits, each with its evidence.

Folded in the order the events were kept (not by their times: a replayed diary's requests
keep their own, older times, and a later ``forget`` must still come after them).
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.learning.idioms import Idiom

PERIODS: tuple[tuple[str, int, int], ...] = (
    ("at night", 22, 5),
    ("in the morning", 5, 10),
    ("during the day", 10, 17),
    ("in the evening", 17, 22),
)
"""Times of day a habit is kept for: name, first hour, hour it ends (local time)."""

_WORD = re.compile(r"\w+")
HABIT_WINDOW = 8
"""A habit is read from the newest observations of its time of day, at most this many."""
TOLERANCE: Mapping[str, float] = {
    "brightness_pct": 10.0,
    "color_temp_kelvin": 400.0,
    "temperature": 1.0,
    "volume_level": 0.1,
}
"""How far apart two values may be and still be the same habit."""


def period_of(when: datetime) -> str:
    """The time of day ``when`` (local time, as said) falls in."""
    hour = when.hour
    for name, start, end in PERIODS:
        if (start <= hour < end) if start < end else (hour >= start or hour < end):
            return name
    return PERIODS[0][0]  # unreachable: the periods cover the day


def item_id(*parts: object) -> str:
    """A short stable id for a learned item (the same facts give the same id everywhere)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:8]


@dataclass(frozen=True)
class Settings:
    """How sure the agent must be before it acts on what it learned (``learning:``)."""

    min_evidence: float = 2.0
    """Evidence a phrase or habit needs before it is used (an explicit correction counts as
    this much at once; each answer to the same "which one?" counts 1)."""
    half_life_days: float = 30.0
    """Unused, a learned phrase's evidence halves in this many days."""
    retention_days: float = 365.0
    """Observations older than this are not read."""


@dataclass
class LearnedPhrase:
    """A phrase the household uses for one device, in one area (or anywhere)."""

    item_id: str
    phrase: str
    """Normalised words ("big light")."""
    entity_id: str
    area: str | None
    """Where it holds: said from (or naming) this area; None: anywhere."""
    first: datetime
    weight: float = 0.0
    """Evidence for it, less evidence against."""
    evidence: list[str] = field(default_factory=list)
    """Requests it was learned from (and corrected by)."""
    sources: set[str] = field(default_factory=set)
    """How it was learned: ``correction``, ``clarification``, ``feedback``, ``by hand``."""
    last_evidence: datetime | None = None
    last_used: datetime | None = None
    uses: int = 0
    used_by: list[str] = field(default_factory=list)
    """Requests it decided."""
    origin: str | None = None
    """The federation aggregate it was adopted from; None: learned in this home."""

    def strength(self, now: datetime, settings: Settings) -> float:
        """The evidence, halved for each half-life since it was last confirmed or used."""
        last = max(t for t in (self.first, self.last_evidence, self.last_used) if t is not None)
        age_days = max((now - last).total_seconds(), 0.0) / 86400
        return float(max(self.weight, 0.0) * 0.5 ** (age_days / settings.half_life_days))

    def active(self, now: datetime, settings: Settings) -> bool:
        """Enough evidence, and not left unused for more than a half-life since."""
        enough = self.weight >= settings.min_evidence - 1e-9
        return enough and self.strength(now, settings) >= settings.min_evidence / 2 - 1e-9

    def confidence(self, now: datetime, settings: Settings) -> float:
        """0-1: grows with evidence, shrinks with disuse."""
        strength = self.strength(now, settings)
        return strength / (strength + 1.0)


@dataclass(frozen=True)
class Observation:
    """One value a person chose."""

    time: datetime
    value: float
    request_id: str | None


@dataclass
class Habit:
    """The value a household chooses for a device's attribute at one time of day."""

    item_id: str
    entity_id: str
    attribute: str
    """``brightness_pct``, ``color_temp_kelvin``, ``temperature``, ``volume_level``."""
    period: str
    observations: list[Observation] = field(default_factory=list)
    last_used: datetime | None = None
    uses: int = 0
    used_by: list[str] = field(default_factory=list)
    """Requests it filled a value in."""

    def value(self, now: datetime, settings: Settings) -> float | None:
        """The usual value, when the recent observations agree often enough; else None."""
        oldest = now - timedelta(days=settings.retention_days)
        recent = [o for o in self.observations if oldest <= o.time <= now + timedelta(days=1)]
        recent = recent[-HABIT_WINDOW:]
        if len(recent) < settings.min_evidence:
            return None
        middle = statistics.median(o.value for o in recent)
        close = [o for o in recent if abs(o.value - middle) <= TOLERANCE.get(self.attribute, 0)]
        if len(close) < settings.min_evidence or 3 * len(close) < 2 * len(recent):
            return None
        return float(statistics.median(o.value for o in close))

    @property
    def evidence(self) -> list[str]:
        return [o.request_id for o in self.observations if o.request_id is not None]


@dataclass(frozen=True)
class Shared:
    """A contribution this home sent to a federation."""

    time: datetime
    noise_multiplier: float
    """The noise's standard deviation over the clip: what the round spent."""
    to: str
    """Where it went (a file, a server)."""


@dataclass
class MeantRequest:
    """Words of this household and the calls they meant, as a person confirmed them."""

    item_id: str
    text: str
    """The request as said ("put the big one on")."""
    area: str | None
    """Where it was said from."""
    calls: tuple[dict[str, Any], ...]
    """What it meant: ``{"service", "entity_id", "data"}``."""
    source: str
    """``correction``, ``clarification``, ``said again`` or ``feedback``."""
    time: datetime
    evidence: list[str] = field(default_factory=list)
    """The requests that said what it meant (a correction, an answer, the feedback)."""
    idiom: Idiom | None = None
    """The idiom it is: words the core did not understand, meant as an action on a room."""

    @property
    def entities(self) -> list[str]:
        return [str(c.get("entity_id")) for c in self.calls]


@dataclass(frozen=True)
class AdoptedIdiom:
    """An idiom adopted from a federation's aggregate."""

    item_id: str
    idiom: Idiom
    origin: str
    """The federation aggregate it was adopted from."""
    time: datetime
    homes: float
    """Homes the aggregate counted for it."""


class Knowledge:
    """Everything learned, folded from events; looked up per request."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.phrases: dict[str, LearnedPhrase] = {}
        self.habits: dict[str, Habit] = {}
        self.meant: dict[str, MeantRequest] = {}
        """Confirmed requests and what they meant (newest last)."""
        self.adopted_idioms: dict[str, AdoptedIdiom] = {}
        """Idioms adopted from federations."""
        self.withdrawn: set[str] = set()
        """Requests a person corrected, undid, switched back or said were wrong."""
        self.shared: list[Shared] = []
        """Contributions sent to a federation, oldest first."""
        self.reverted: set[str] = set()
        """Aggregates taken back."""
        self.version = 0
        """Events folded in so far: changes whenever what was learned may have."""
        self._by_words: dict[str, list[LearnedPhrase]] = defaultdict(list)
        self.longest = 0
        """Words in the longest learned phrase."""
        self._first_words: set[str] = set()
        self._idioms: tuple[int, dict[tuple[tuple[str, ...], bool], tuple[Idiom, str]]] | None = (
            None
        )

    @classmethod
    def folded(cls, events: Iterable[LearningEvent], settings: Settings | None = None) -> Knowledge:
        knowledge = cls(settings)
        for event in events:
            knowledge.apply(event)
        return knowledge

    def apply(self, event: LearningEvent) -> None:
        """Fold one event in. Events with data this version cannot read are skipped."""
        data = event.data
        self.version += 1
        try:
            match event.kind:
                case EventKind.PHRASE | EventKind.AGAINST:
                    self._phrase(event, data)
                case EventKind.VALUE:
                    self._value(event, data)
                case EventKind.WITHDRAW:
                    self._withdraw(str(data["request"]))
                case EventKind.USED:
                    self._used(event)
                case EventKind.FORGET:
                    self._forget(data)
                case EventKind.MEANT:
                    self._meant(event, data)
                case EventKind.ADOPT:
                    self._adopt(event, data)
                case EventKind.REVERT:
                    self._revert(data)
                case EventKind.SHARED:
                    self.shared.append(
                        Shared(event.time, float(data["noise_multiplier"]), str(data["to"]))
                    )
                case EventKind.FEEDBACK:
                    pass  # kept for the record; its effect came as PHRASE/AGAINST events
        except (KeyError, TypeError, ValueError):
            return

    def _phrase(self, event: LearningEvent, data: Mapping[str, Any]) -> None:
        phrase, entity, area = str(data["phrase"]), str(data["entity_id"]), data.get("area")
        key = item_id("phrase", phrase, entity, area)
        item = self.phrases.get(key)
        if event.kind is EventKind.AGAINST:
            # Adopted from a federation and then corrected here: this household's word wins.
            self._drop_phrase(item_id("adopted", phrase, entity, area))
        if item is None:
            if event.kind is EventKind.AGAINST:
                return
            item = self._add(LearnedPhrase(key, phrase, entity, area, event.time))
        weight = float(data.get("weight", 1.0))
        item.weight += -weight if event.kind is EventKind.AGAINST else weight
        if event.kind is EventKind.AGAINST and item.weight <= 0:
            self._drop_phrase(key)
            # What the same evidence showed the words to mean went wrong with it.
            for k, m in list(self.meant.items()):
                if entity in m.entities and not set(m.evidence).isdisjoint(item.evidence):
                    del self.meant[k]
            return
        if event.request_id is not None:
            item.evidence.append(event.request_id)
        if event.kind is EventKind.PHRASE:
            item.sources.add(str(data.get("source", "correction")))
            item.last_evidence = _later(item.last_evidence, event.time)

    def _adopt(self, event: LearningEvent, data: Mapping[str, Any]) -> None:
        origin = str(data["origin"])
        if origin in self.reverted:
            return
        if "idiom" in data:
            idiom = Idiom.of(data["idiom"])
            if idiom is not None:
                key = item_id("adopted-idiom", idiom.text, str(idiom.slot), idiom.action)
                found = AdoptedIdiom(key, idiom, origin, event.time, float(data.get("homes", 0)))
                self.adopted_idioms.setdefault(key, found)
            return
        phrase, entity, area = str(data["phrase"]), str(data["entity_id"]), data.get("area")
        key = item_id("adopted", phrase, entity, area)
        if key in self.phrases:
            return
        item = self._add(LearnedPhrase(key, phrase, entity, area, event.time, origin=origin))
        item.weight = float(data["weight"])
        item.sources.add("federation")
        item.last_evidence = event.time

    def _add(self, item: LearnedPhrase) -> LearnedPhrase:
        """A new phrase, kept and indexed by its words."""
        self.phrases[item.item_id] = item
        self._by_words[item.phrase].append(item)
        self.longest = max(self.longest, len(item.phrase.split()))
        self._first_words.add(item.phrase.split(maxsplit=1)[0])
        return item

    @property
    def origins(self) -> set[str]:
        """The federation aggregates the phrases and idioms kept now were adopted from."""
        return {p.origin for p in self.phrases.values() if p.origin is not None} | {
            i.origin for i in self.adopted_idioms.values()
        }

    def _revert(self, data: Mapping[str, Any]) -> None:
        gone = self.origins if data.get("all") else {str(data["origin"])}
        self.reverted |= gone
        for key in [k for k, p in self.phrases.items() if p.origin in gone]:
            self._drop_phrase(key)
        for key in [k for k, i in self.adopted_idioms.items() if i.origin in gone]:
            del self.adopted_idioms[key]

    def _value(self, event: LearningEvent, data: Mapping[str, Any]) -> None:
        entity, attribute = str(data["entity_id"]), str(data["attribute"])
        local = datetime.fromisoformat(str(data["local_time"]))
        period = period_of(local)
        key = item_id("habit", entity, attribute, period)
        habit = self.habits.get(key)
        if habit is None:
            habit = self.habits[key] = Habit(key, entity, attribute, period)
        habit.observations.append(Observation(event.time, float(data["value"]), event.request_id))

    def _meant(self, event: LearningEvent, data: Mapping[str, Any]) -> None:
        text = " ".join(str(data["text"]).split())
        calls = tuple(dict(c) for c in data["calls"])
        if not text or not calls or not all(isinstance(c.get("entity_id"), str) for c in calls):
            return
        area = data.get("area")
        key = item_id("meant", text.casefold(), area)
        self.meant.pop(key, None)  # the newest meaning wins, and moves to the end
        item = MeantRequest(
            key,
            text,
            area,
            calls,
            str(data.get("source", "correction")),
            event.time,
            idiom=Idiom.of(data.get("idiom")),
        )
        if event.request_id is not None:
            item.evidence.append(event.request_id)
        self.meant[key] = item

    def _withdraw(self, request_id: str) -> None:
        self.withdrawn.add(request_id)
        for habit in self.habits.values():
            habit.observations = [o for o in habit.observations if o.request_id != request_id]
        # A correction that was itself corrected (or undone) no longer says what was meant.
        for key in [k for k, m in self.meant.items() if request_id in m.evidence]:
            del self.meant[key]

    def _used(self, event: LearningEvent) -> None:
        key = str(event.data["item"])
        found: LearnedPhrase | Habit | None = self.phrases.get(key) or self.habits.get(key)
        if found is not None:
            found.last_used = _later(found.last_used, event.time)
            found.uses += 1
            if event.request_id is not None:
                found.used_by.append(event.request_id)

    def _forget(self, data: Mapping[str, Any]) -> None:
        if data.get("all"):
            self.reverted |= self.origins
            self.phrases.clear()
            self.habits.clear()
            self.meant.clear()
            self.adopted_idioms.clear()
            self._by_words.clear()
            return
        key = str(data["item"])
        self.habits.pop(key, None)
        self.meant.pop(key, None)
        self.adopted_idioms.pop(key, None)
        self._drop_phrase(key)

    def _drop_phrase(self, key: str) -> None:
        item = self.phrases.pop(key, None)
        if item is not None:
            self._by_words[item.phrase] = [p for p in self._by_words[item.phrase] if p is not item]

    def may_say(self, text: str) -> bool:
        """Whether ``text`` may hold a learned phrase: a cheap look at its words before the
        request is read properly (most requests say none)."""
        return not self._first_words.isdisjoint(_WORD.findall(text.casefold()))

    @property
    def said(self) -> Container[str]:
        """The learned phrases, to look words up in."""
        return self._by_words

    def candidates(self, phrase: str) -> Sequence[LearnedPhrase]:
        """Every learned meaning of ``phrase`` (normalised words)."""
        return self._by_words.get(phrase, ())

    def best(self, phrase: str, areas: Sequence[str | None], now: datetime) -> LearnedPhrase | None:
        """The surest active meaning of ``phrase`` scoped to one of ``areas`` (in that order
        of preference; None stands for "anywhere"). What this household taught comes before
        anything adopted from a federation, wherever it holds."""
        for adopted in (False, True):
            for area in areas:
                active = [
                    p
                    for p in self.candidates(phrase)
                    if p.area == area
                    and (p.origin is not None) == adopted
                    and p.active(now, self.settings)
                ]
                if active:
                    return max(active, key=lambda p: p.strength(now, self.settings))
        return None

    def only(self, phrase: str, now: datetime) -> LearnedPhrase | None:
        """The surest active meaning of ``phrase`` in any area, when every active meaning
        names the same device; None when it means different devices in different places.
        Adopted meanings count only where the household taught none."""
        active = [p for p in self.candidates(phrase) if p.active(now, self.settings)]
        own = [p for p in active if p.origin is None]
        active = own or active
        if len({p.entity_id for p in active}) != 1:
            return None
        return max(active, key=lambda p: p.strength(now, self.settings))

    def idiom(self, said: tuple[str, ...], slot: bool) -> tuple[Idiom, str] | None:
        """The idiom of these words (and its item): the household's own newest one, else one
        adopted from a federation (the first adopted, while it stands)."""
        index = self._idioms_index()
        return index.get((said, slot))

    def _idioms_index(self) -> dict[tuple[tuple[str, ...], bool], tuple[Idiom, str]]:
        if self._idioms is None or self._idioms[0] != self.version:
            index: dict[tuple[tuple[str, ...], bool], tuple[Idiom, str]] = {}
            for a in self.adopted_idioms.values():
                index.setdefault((a.idiom.words, a.idiom.slot), (a.idiom, a.item_id))
            for m in self.meant.values():  # newest last: the newest own meaning wins
                if m.idiom is not None:
                    index[(m.idiom.words, m.idiom.slot)] = (m.idiom, m.item_id)
            self._idioms = (self.version, index)
        return self._idioms[1]

    @property
    def has_idioms(self) -> bool:
        return bool(self._idioms_index())

    def habit(self, entity_id: str, attribute: str, local: datetime) -> Habit | None:
        return self.habits.get(item_id("habit", entity_id, attribute, period_of(local)))

    def __len__(self) -> int:
        return len(self.phrases) + len(self.habits) + len(self.meant) + len(self.adopted_idioms)


def _later(current: datetime | None, when: datetime) -> datetime:
    return when if current is None or when > current else current
