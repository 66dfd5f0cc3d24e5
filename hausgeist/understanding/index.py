"""An index of every name in the home: devices, areas, floors and type words, as token phrases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import OSA

from hausgeist.devices.registry import Device, DeviceRegistry, Floor
from hausgeist.understanding.intents import is_verb_word
from hausgeist.understanding.text import singular, tokenize
from hausgeist.understanding.vocabulary import STOP_WORDS, TYPE_WORDS, TypeHint


class Kind(StrEnum):
    """What a phrase names."""

    DEVICE = "device"
    SHORT = "short"
    AREA = "area"
    FLOOR = "floor"
    TYPE = "type"


@dataclass(frozen=True)
class Entry:
    """One phrase's meaning."""

    kind: Kind
    ref: str
    """Entity id, area id, floor id, or the type phrase."""


@dataclass(frozen=True)
class Match:
    """A phrase found in the text."""

    start: int
    end: int
    entries: tuple[Entry, ...]
    plural: bool
    """The last word was said in the plural (``lights``)."""
    fuzzy: bool
    """A word matched only approximately."""


_PRIORITY = {Kind.DEVICE: 0, Kind.AREA: 1, Kind.FLOOR: 2, Kind.SHORT: 3, Kind.TYPE: 4}


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(singular(t) for t in tokenize(text))


def _floor_words(floor: Floor, registry: DeviceRegistry) -> tuple[str, ...]:
    """``upstairs``, ``downstairs``, ``basement``: what people call a floor by its level."""
    words = set(_phrase(f"{floor.name} {floor.id.replace('_', ' ')}"))
    level = floor.level
    if level is None:
        if words & {"ground", "downstairs", "main"}:
            level = 0
        elif words & {"first", "upstairs", "upper", "top", "second"}:
            level = 1
        elif words & {"basement", "cellar", "lower"}:
            level = -1
    levels = sorted(f.level for f in registry.floors.values() if f.level is not None)
    if level == 0:
        return ("downstairs", "ground floor", "ground")
    if level is not None and level > 0:
        is_top = not levels or level == levels[-1]
        return ("upstairs", "upper floor") if is_top or level == 1 else ()
    if level is not None and level < 0:
        return ("basement", "cellar")
    return ()


class NameIndex:
    """Token phrases of the registry, looked up with tolerance for plurals and typos."""

    def __init__(self, registry: DeviceRegistry) -> None:
        self.registry = registry
        self.phrases: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
        for area in registry.areas.values():
            for name in (area.name, area.id.replace("_", " "), *area.aliases):
                self._add(_phrase(name), Entry(Kind.AREA, area.id))
        for floor in registry.floors.values():
            for name in (
                floor.name,
                floor.id.replace("_", " "),
                *floor.aliases,
                *_floor_words(floor, registry),
            ):
                self._add(_phrase(name), Entry(Kind.FLOOR, floor.id))
        for device in registry:
            self._add_device(device)
        for words, hint in TYPE_WORDS.items():
            del hint
            self._add(words, Entry(Kind.TYPE, " ".join(words)))
        self.max_len = max((len(p) for p in self.phrases), default=1)
        self.vocabulary = sorted({t for p in self.phrases for t in p})
        self.known = frozenset(self.vocabulary)
        self._canon_cache: dict[str, tuple[str, bool]] = {}

    def _add(self, phrase: tuple[str, ...], entry: Entry) -> None:
        if phrase and entry not in self.phrases[phrase]:
            self.phrases[phrase].append(entry)

    def _add_device(self, device: Device) -> None:
        area = self.registry.areas.get(device.area_id) if device.area_id else None
        area_words: set[str] = set()
        if area is not None:
            for name in (area.name, *area.aliases):
                area_words.update(_phrase(name))
        for name in (device.name, *device.aliases):
            phrase = _phrase(name)
            self._add(phrase, Entry(Kind.DEVICE, device.entity_id))
            short = tuple(t for t in phrase if t not in area_words)
            if short and short != phrase and not all(t in STOP_WORDS for t in short):
                self._add(short, Entry(Kind.SHORT, device.entity_id))

    def canon(self, token: str) -> tuple[str, bool]:
        """The known word ``token`` stands for, and whether that was a guess."""
        cached = self._canon_cache.get(token)
        if cached is not None:
            return cached
        result = (singular(token), False)
        if (
            result[0] not in self.known
            and token not in STOP_WORDS
            and len(token) >= 5
            and not token[0].isdigit()
            and not is_verb_word(token)
        ):
            best = process.extractOne(
                result[0],
                self.vocabulary,
                scorer=OSA.distance,
                score_cutoff=1 if len(token) < 10 else 2,
            )
            if best is not None and len(best[0]) >= 4:
                result = (best[0], True)
        self._canon_cache[token] = result
        return result

    def find(self, tokens: list[str]) -> list[Match]:
        """Longest phrases first, left to right, without overlap."""
        canon = [self.canon(t) for t in tokens]
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            for length in range(min(self.max_len, len(tokens) - i), 0, -1):
                key = tuple(c for c, _ in canon[i : i + length])
                entries = self.phrases.get(key)
                if not entries:
                    continue
                if (
                    length == 1
                    and key[0] in STOP_WORDS
                    and not any(e.kind is Kind.TYPE for e in entries)
                ):
                    continue
                last = tokens[i + length - 1]
                ordered = tuple(sorted(entries, key=lambda e: _PRIORITY[e.kind]))
                plural = singular(last) != last
                fuzzy = any(g for _, g in canon[i : i + length])
                found.append(Match(i, i + length, ordered, plural, fuzzy))
                i += length
                break
            else:
                i += 1
        return found

    def type_hint(self, ref: str) -> TypeHint:
        """The type word ``ref`` (``garage door``)."""
        return TYPE_WORDS[tuple(ref.split())]
