"""The words a request used for its device, and requests said again in configured names.

A learned phrase is read like a configured alias: the request's text is said again with
the device's own name in its place ("turn on the big light" -> "turn on the Living Room
Ceiling Light") before the core reads it, so the core's resolver, the policy and the
replies work on it exactly as on a name the user configured.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass

from hausgeist.understanding import Understanding
from hausgeist.understanding.index import Kind, NameIndex
from hausgeist.understanding.rule_words import is_verb_word
from hausgeist.understanding.text import singular, tokenize
from hausgeist.understanding.vocabulary import STOP_WORDS

MAX_PHRASE_WORDS = 4
"""A longer run of words is not taken for what someone calls a device."""
_NOT_NAMES = frozenset(
    {"on", "off", "up", "down", "%", "percent", "degree", "degrees", "bit", "little", "lot"}
)
_CONFIGURED = frozenset({Kind.DEVICE, Kind.AREA, Kind.FLOOR})
_PLACES = frozenset({Kind.AREA, Kind.FLOOR})


def words(text: str) -> list[str]:
    """The request's words as the core reads them (commas left out)."""
    return [t for t in tokenize(text) if t != ","]


def object_phrase(text: str, core: Understanding) -> str | None:
    """The words ``text`` used for the device it is about ("big light" in "put the big light
    on in the lounge"); None when there is no single short run of such words. The words the
    action rule read ("switch on", "to 40%") are left out, so a word the rules know in
    another use ("the reading light") stays in the phrase."""
    tokens = words(text)
    skip: set[int] = set()
    for match in core.index.find(tokens):
        if any(e.kind in _PLACES for e in match.entries):
            skip.update(range(match.start, match.end))
    intent = core.reading(tokens) if tokens else None
    if intent is not None:
        skip.update(intent.consumed)
    kept = [
        i
        for i, t in enumerate(tokens)
        if i not in skip
        and t not in STOP_WORDS
        and t not in _NOT_NAMES
        and not t[:1].isdigit()
        and (intent is not None or not is_verb_word(t))
    ]
    if not kept or len(kept) > MAX_PHRASE_WORDS or kept[-1] - kept[0] + 1 != len(kept):
        return None
    return " ".join(tokens[i] for i in kept)


def is_configured(phrase: str, index: NameIndex) -> bool:
    """Whether ``phrase`` is a name or alias the user configured (learning never covers one)."""
    key = tuple(singular(t) for t in phrase.split())
    return any(e.kind in _CONFIGURED for e in index.phrases.get(key, ()))


def names_something(phrase: str, index: NameIndex) -> bool:
    """Whether the core reads ``phrase`` on its own as something of this home (a name, a
    short name, a kind of device such as "light"): said from nowhere in particular, such a
    word means what the core makes of it, not the one device a room taught it to mean."""
    key = tuple(singular(t) for t in phrase.split())
    return bool(index.phrases.get(key))


def places_named(tokens: Sequence[str], index: NameIndex) -> set[str]:
    """Area ids the words name (a floor names its areas)."""
    named: set[str] = set()
    for match in index.find(list(tokens)):
        for entry in match.entries:
            if entry.kind is Kind.AREA:
                named.add(entry.ref)
            elif entry.kind is Kind.FLOOR:
                named.update(a.id for a in index.registry.areas.values() if a.floor_id == entry.ref)
    return named


@dataclass(frozen=True)
class Found:
    """A learned phrase said in a request."""

    phrase: str
    start: int
    end: int
    """Token positions of the phrase."""


def phrases_in(tokens: Sequence[str], longest: int, known: Container[str]) -> list[Found]:
    """Learned phrases said in ``tokens``, longest first, left to right, without overlap."""
    found: list[Found] = []
    i = 0
    while i < len(tokens):
        for length in range(min(longest, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + length])
            if phrase in known:
                found.append(Found(phrase, i, i + length))
                i += length
                break
        else:
            i += 1
    return found


def inside_a_name(found: Found, tokens: Sequence[str], index: NameIndex) -> bool:
    """Whether the phrase is part of a longer configured name said there ("lamp" in "floor
    lamp"): the configured name wins."""
    for match in index.find(list(tokens)):
        if not any(e.kind in {Kind.DEVICE, Kind.SHORT} for e in match.entries):
            continue
        overlaps = match.start < found.end and found.start < match.end
        if overlaps and (match.end - match.start) > (found.end - found.start):
            return True
    return False


def say_again(text: str, phrase: str, name: str) -> str | None:
    """``text`` with ``phrase`` replaced by ``name``; None when the words cannot be found as
    written (a number said as a word, an odd spelling)."""
    # The core reads "granny's" as "granny": the possessive may follow any word.
    words_said = [re.escape(w) + r"(?:['\u2019]s)?" for w in phrase.split()]
    pattern = r"(?<!\w)" + r"[\W_]+".join(words_said) + r"(?!\w)"
    said, count = re.subn(pattern, name, text, count=1, flags=re.IGNORECASE)
    return said if count else None
