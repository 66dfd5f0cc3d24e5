"""Which devices a request could concern: word overlap (with typo tolerance) with their names.

A large home does not fit the model's context, and a small model chooses better among
few devices, so the prompt lists only the best-ranked ones (the requester's room helps).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.understanding.words import STOP_WORDS, TYPE_WORDS, singular, tokenize

_NAME, _AREA, _TYPE, _HERE = 3.0, 2.0, 1.0, 0.5
_FUZZY_CUTOFF = 85.0
_FUZZY_MIN_LEN = 4


def content_words(text: str) -> list[str]:
    """Lower-case singular words of ``text`` without stop words, in order."""
    return [singular(t) for t in tokenize(text) if t != "," and t not in STOP_WORDS]


@dataclass(frozen=True)
class _Words:
    name: frozenset[str]
    area: frozenset[str]
    kind: frozenset[str]


class DeviceRanker:
    """Scores devices by the words a request shares with their names, areas and types."""

    def __init__(self, registry: DeviceRegistry, devices: list[Device]) -> None:
        self.registry = registry
        self.devices = devices
        type_words: dict[str, set[str]] = defaultdict(set)
        for phrase, hint in TYPE_WORDS.items():
            for domain in hint.domains:
                type_words[domain].update(phrase)
        self._words = {d.entity_id: self._device_words(d, type_words) for d in devices}
        self._known = frozenset(w for ws in self._words.values() for w in ws.name | ws.area)
        self._vocabulary = sorted(self._known)

    def rank(
        self, text: str, area: str | None, limit: int, among: Collection[str] | None = None
    ) -> list[Device]:
        """The ``limit`` devices the request most likely concerns, best first (ties: home order).

        With ``among``, only those entity ids, and all of them up to ``limit`` even when
        the words share nothing with their names (the answer may name no other)."""
        said = self._with_typos(content_words(text))
        scored = [
            (self._score(d, said, area), i, d)
            for i, d in enumerate(self.devices)
            if among is None or d.entity_id in among
        ]
        if among is None:
            scored = [s for s in scored if s[0] > 0]
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [d for _, _, d in scored[:limit]]

    def _score(self, device: Device, said: dict[str, float], area: str | None) -> float:
        words = self._words[device.entity_id]
        score = sum(_NAME * w for t, w in said.items() if t in words.name)
        score += sum(_AREA * w for t, w in said.items() if t in words.area)
        score += sum(_TYPE * w for t, w in said.items() if t in words.kind)
        if area is not None and device.area_id == area:
            score += _HERE
        return score

    def _with_typos(self, words: list[str]) -> dict[str, float]:
        """Each word said, plus the known word it is a typo of (weighted by similarity)."""
        said: dict[str, float] = dict.fromkeys(words, 1.0)
        for word in words:
            if len(word) < _FUZZY_MIN_LEN or word in self._known:
                continue
            best = process.extractOne(
                word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            if best is not None:
                said.setdefault(best[0], best[1] / 100)
        return said

    def _device_words(self, device: Device, type_words: dict[str, set[str]]) -> _Words:
        names = " ".join((device.name, *device.aliases, device.object_id.replace("_", " ")))
        area = self.registry.areas.get(device.area_id) if device.area_id else None
        area_text = " ".join((area.name, *area.aliases)) if area else ""
        return _Words(
            frozenset(content_words(names)),
            frozenset(content_words(area_text)),
            frozenset(type_words.get(device.domain, ())),
        )
