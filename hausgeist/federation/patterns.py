"""Patterns: a learned phrase or idiom with everything of this home taken out.

"the big light" learned for ``light.living_ceiling`` ("Living Room Ceiling Light") becomes
``light:ceiling light`` + ``big light``: the device by its domain and the public kind words of
its name (its area and every other word of its name left out), the phrase by its words. An
idiom ("snug up the lounge": the lounge's lights to 30%) becomes
``do:light.brightness 30@room`` + ``snug``: the public action, ``@room`` where the room was
named (its name is not in the pattern), the idiom's words. A pattern is shared only when every
word of it is in the public lexicon, none is a word of this home's registry or configuration,
and the core does not already read it on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.learning.idioms import ACTIONS, Idiom
from hausgeist.learning.knowledge import Knowledge
from hausgeist.understanding.vocabulary import STOP_WORDS, TYPE_WORDS

MODIFIERS: frozenset[str] = frozenset(
    {
        "ceiling", "floor", "desk", "bedside", "table", "reading", "wall", "standing",
        "corner", "pendant", "overhead", "main", "night", "accent", "cabinet", "mirror",
        "smart", "ambient", "island", "side",
    }
)  # fmt: skip
"""Words of a device's name that say what kind of thing it is, not whose or where."""
KIND_WORDS: frozenset[str] = frozenset(w for key in TYPE_WORDS for w in key)
"""The core's own words for kinds of devices ("lamp", "telly", "blind")."""
_KINDS_BY_DOMAIN: dict[str, frozenset[str]] = {
    domain: frozenset(w for key, hint in TYPE_WORDS.items() if domain in hint.domains for w in key)
    for domain in sorted({d for hint in TYPE_WORDS.values() for d in hint.domains})
}
_WORD = re.compile(r"[a-z]+")
MAX_WORDS = 2
"""Phrases of at most this many words are shared (a longer one could only be found from
the sketch by trying every pair of words after its first)."""


IDIOM = "do:"
ROOM = "@room"


def idiom_target(idiom: Idiom) -> str:
    return f"{IDIOM}{idiom.action}{ROOM if idiom.slot else ''}"


@dataclass(frozen=True, order=True)
class Pattern:
    """A phrase and the kind of device it names, in words any home may have."""

    target: str
    """``<domain>:<kind words>`` (``light:ceiling light``, ``media_player:tv``), or for an
    idiom ``do:<action>`` with ``@room`` when it names its room (``do:fan.off@room``)."""
    phrase: str
    """The phrase's words (``big light``)."""

    @property
    def key(self) -> str:
        return f"{self.target}={self.phrase}"

    @property
    def idiom(self) -> Idiom | None:
        """The idiom this pattern is (None: a phrase for a kind of device)."""
        if not self.target.startswith(IDIOM):
            return None
        action = self.target.removeprefix(IDIOM)
        slot = action.endswith(ROOM)
        action = action.removesuffix(ROOM)
        if action not in ACTIONS:
            return None
        return Idiom(tuple(self.phrase.split()), slot, action)

    @classmethod
    def parse(cls, key: str) -> Pattern:
        target, sep, phrase = key.partition("=")
        if not sep or ":" not in target or not phrase:
            raise ValueError(f"not a pattern: {key!r} (expected 'domain:kind=phrase')")
        return cls(target, phrase)


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def target_of(device: Device) -> str:
    """The device as a pattern names it: its domain and the kind words of its name, in the
    order of the name (its area, brand and every other word left out)."""
    kinds = [w for w in words_of(device.name) if w in MODIFIERS or w in kind_words(device.domain)]
    seen: list[str] = []
    for w in kinds:
        if w not in seen:
            seen.append(w)
    return f"{device.domain}:{' '.join(seen[-2:])}"


def kind_words(domain: str) -> frozenset[str]:
    """The core's words for kinds of devices of ``domain``."""
    return _KINDS_BY_DOMAIN.get(domain, frozenset())


def targets() -> list[str]:
    """Every target a pattern may have: a domain and at most two of its kind words or
    modifiers (public: the same list in every home)."""
    found: list[str] = []
    for domain, kinds in sorted(_KINDS_BY_DOMAIN.items()):
        words = sorted(kinds | MODIFIERS)
        found.append(f"{domain}:")
        found += [f"{domain}:{w}" for w in words]
        found += [f"{domain}:{a} {b}" for a in words for b in words if a != b]
    found += [f"{IDIOM}{action}{slot}" for action in ACTIONS for slot in ("", ROOM)]
    return found


def home_words(registry: DeviceRegistry, extra: Iterable[str] = ()) -> frozenset[str]:
    """Words that belong to this home: of its device and area names, aliases, entity ids and
    the configuration's other names (``extra``: people, the home's name), less the public
    words every home uses for kinds of devices and stop words."""
    texts: list[str] = list(extra)
    for device in registry:
        texts += [device.name, *device.aliases, device.entity_id.replace("_", " ")]
    for area in registry.areas.values():
        texts += [area.name, *area.aliases, area.id.replace("_", " ")]
    public = KIND_WORDS | MODIFIERS | STOP_WORDS
    return frozenset(w for t in texts for w in words_of(t) if w not in public)


@dataclass(frozen=True)
class Dropped:
    """A learned phrase that is not shared, and why."""

    phrase: str
    reason: str


def patterns_of(
    knowledge: Knowledge,
    registry: DeviceRegistry,
    lexicon: frozenset[str],
    private: frozenset[str],
    now: datetime,
) -> tuple[list[Pattern], list[Dropped]]:
    """The patterns this home may share: its own active learned phrases (none adopted from
    the federation), each made public or dropped."""
    found: dict[str, Pattern] = {}
    dropped: list[Dropped] = []
    for item in knowledge.phrases.values():
        if not item.active(now, knowledge.settings) or item.origin is not None:
            continue
        device = registry.get(item.entity_id)
        if device is None:
            continue
        pattern, reason = _public(item.phrase, device, lexicon, private)
        if pattern is None:
            dropped.append(Dropped(item.phrase, reason))
        else:
            found.setdefault(pattern.key, pattern)
    for meant in knowledge.meant.values():
        if meant.idiom is None:
            continue
        pattern, reason = _public_idiom(meant.idiom, lexicon, private)
        if pattern is None:
            dropped.append(Dropped(meant.text, reason))
        else:
            found.setdefault(pattern.key, pattern)
    return sorted(found.values()), dropped


def _public_idiom(
    idiom: Idiom, lexicon: frozenset[str], private: frozenset[str]
) -> tuple[Pattern | None, str]:
    said = list(idiom.words)
    if len(said) > MAX_WORDS or not all(w.isalpha() for w in said):
        return None, f"an idiom of more than {MAX_WORDS} plain words"
    if any(w in private for w in said):
        return None, "holds a word of this home's names"
    if any(w not in lexicon for w in said):
        return None, "holds a word outside the public lexicon"
    return Pattern(idiom_target(idiom), " ".join(said)), ""


def _public(
    phrase: str, device: Device, lexicon: frozenset[str], private: frozenset[str]
) -> tuple[Pattern | None, str]:
    said = words_of(phrase)
    if not said or len(said) > MAX_WORDS or " ".join(said) != phrase.casefold().strip():
        return None, f"not a phrase of at most {MAX_WORDS} plain words"
    if any(w in private for w in said):
        return None, "holds a word of this home's names"
    if all(w in KIND_WORDS or w in MODIFIERS or w in STOP_WORDS for w in said):
        return None, "the core reads it on its own"
    if any(w not in lexicon for w in said):
        return None, "holds a word outside the public lexicon"
    target = target_of(device)
    if target.endswith(":"):
        return None, "its device's name says no kind"
    return Pattern(target, " ".join(said)), ""


def devices_for(registry: DeviceRegistry, target: str) -> Mapping[str | None, list[Device]]:
    """The devices a pattern's target names, by area (None: the whole home)."""
    by_area: dict[str | None, list[Device]] = {None: []}
    for device in registry:
        if target_of(device) == target:
            by_area[None].append(device)
            by_area.setdefault(device.area_id, []).append(device)
    return by_area
