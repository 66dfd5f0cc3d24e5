"""What the deterministic core reads in a request: names, places, types, actions, numbers.

The LLM's answer is checked against these (:mod:`.agreement`); they come from the
core's own name index and intent rules, never from the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import islice

from hausgeist.understanding import PendingClarify
from hausgeist.understanding.words import (
    COLORS,
    STOP_WORDS,
    TYPE_WORDS,
    Action,
    Kind,
    Match,
    NameIndex,
    TypeHint,
    area_and_type,
    arm_mode,
    as_number,
    is_rule_word,
    is_verb_word,
    readings,
    singular,
    strip_fillers,
    tokenize,
    verb_behind_typo,
    word_behind_typo,
)

_MAX_READINGS = 16
_FEW = 3  # a word carried by more device names than this does not single one out
_PLACE_WORDS = frozenset({"in", "at", "inside"})
_DETERMINERS = frozenset({"the", "my", "our", "this", "that", "your", "his", "her", "their"})
_NOT_PLACES = frozenset(
    {"here", "there", "home", "house", "place", "moment", "minute", "once", "all", "bit", "least"}
)
_FULL = frozenset({"full", "max", "maximum", "fully", "highest"})
_FLOOR_WORDS = frozenset({"floor", "storey", "story", "level"})
_HALF = frozenset({"half", "halfway"})
_SWITCHING = frozenset({"turn", "switch", "power", "shut"})
_JOINS = frozenset({"and", "&", "then", "but", "while"})
"""Words that join the parts of a request with more than one thing to do."""


@dataclass(frozen=True)
class Part:
    """One part of a request joined to others with "and" ("the pump off and the butt on"):
    what it names and the actions it reads on its own."""

    devices: frozenset[str]
    """Entity ids the part names."""
    areas: frozenset[str]
    """Area ids the part names."""
    types: tuple[TypeHint, ...]
    """Type words the part says."""
    actions: frozenset[Action]
    """The actions the intent rules read in the part alone."""


@dataclass(frozen=True)
class Mentions:
    """What the core reads in a request."""

    devices: frozenset[str]
    """Entity ids named by name, alias or a word of a name."""
    areas: frozenset[str]
    """Area ids named (a floor counts as all of its areas)."""
    types: tuple[TypeHint, ...]
    """Type words said ("lights", "blinds", "thermostat")."""
    actions: frozenset[Action]
    """Every action any intent rule reads in the words."""
    numbers: frozenset[float]
    """Numbers said (number words included; "full" is 100, "half" 50)."""
    unknown_names: tuple[str, ...]
    """Words said as a place or a name ("in the attic", "the pool lights", "the second
    floor") that name no area, floor or device of this home."""
    unknown_words: tuple[str, ...]
    """Content words the core knows neither as a name nor as a word of its rules."""
    arm_service: str
    """The alarm service the words ask for if they ask to arm (night, home or away)."""
    words: frozenset[str]
    """Every word said (tokenized as the core does)."""
    groups: tuple[frozenset[str], ...] = ()
    """One set of entity ids per name said in full: an answer must act on each of them."""
    only: frozenset[str] | None = None
    """Entity ids the conversation allows (the candidates of a pending "which one?")."""
    alike: tuple[frozenset[str], ...] = ()
    """One set per phrase or word that names several devices alike ("the ceiling lights",
    two lamps both called "Ceiling Light"): an answer that picks some of them must pick
    exactly those in the place meant."""
    parts: tuple[Part, ...] = ()
    """The parts of a request joined with "and" (none when it is one part): a device a
    part names with a verb of its own takes that verb, not another part's."""

    def within(self, clarify: PendingClarify | None) -> Mentions:
        """These mentions as the answer to a pending "which one?" (its action, its candidates)."""
        if clarify is None:
            return self
        return replace(
            self, actions=self.actions | {clarify.intent.action}, only=frozenset(clarify.candidates)
        )

    @property
    def anything(self) -> bool:
        """Whether the words name any device, place or type at all."""
        return bool(self.devices or self.areas or self.types)


def read_mentions(text: str, index: NameIndex) -> Mentions:
    """The devices, places, type words, actions and numbers ``text`` mentions. A word the
    home does not know that is one typo away from a command verb or another word of the
    rules is read as that word ("tunr on the fan", "to 40 percnet"): the core itself does
    not guess at typos, but an answer that agrees with the corrected words is no guess
    either."""
    said = tokenize(text)
    fixed = list(said)
    for i in range(len(fixed)):  # in order: "tunr of" is "turn of", so "turn off"
        fixed[i] = _typo(fixed, i, index)
    if fixed != said:  # read again: "40 percnet" is "40 percent", which reads as "40%"
        said = tokenize(" ".join(fixed))
    words: list[str] = []
    commas: set[int] = set()  # a comma before words[i] ends a part as "and" does
    for word in strip_fillers(said):
        if word == ",":
            commas.add(len(words))
        else:
            words.append(word)
    devices: set[str] = set()
    areas: set[str] = set()
    types: list[TypeHint] = []
    groups: list[frozenset[str]] = []
    alike: list[frozenset[str]] = []
    found: list[tuple[int, set[str], set[str], list[TypeHint]]] = []
    matches = index.find(words)
    name_ends = {m.end for m in matches if any(e.kind is Kind.DEVICE for e in m.entries)}
    for match in matches:
        named, places, kinds = _sort(match, index)
        if (
            _verb_not_type(match, matches, words)
            or (not named and match.start in name_ends)  # "the leaving home script"
            or (named and not match.plural)  # "the water main": that valve, not every valve
        ):
            kinds = []
        plural = area_and_type(words[match.start : match.end], index) if match.plural else None
        if plural is not None:  # "the kitchen lights", not the one named "Kitchen Light"
            named, places, kinds = set(), {plural[0]}, [plural[1]]
        devices |= named
        areas |= places
        types += kinds
        found.append((match.start, named, places, kinds))
        if named and not places and any(e.kind is Kind.DEVICE for e in match.entries):
            groups.append(frozenset(named))
        if len(named) > 1:
            alike.append(frozenset(named))
    covered = {
        i
        for m in matches
        if any(e.kind is not Kind.TYPE for e in m.entries)
        for i in range(m.start, m.end)
    }
    free = [w for i, w in enumerate(words) if i not in covered]
    areas |= _areas_by_word(words, covered, index)
    unknown_names = _unknown_names(words, free, index, matches)
    for owners in [] if unknown_names else _by_name_word(free, index):
        # with a thing said that the home lacks, a word of a name may be part of it: "the
        # hot tub" names no "Hot Water" boiler
        devices |= owners
        if len(owners) > 1:
            alike.append(owners)
    groups += [] if unknown_names else _listed(words, covered, index)
    return Mentions(
        devices=frozenset(devices),
        areas=frozenset(areas),
        types=tuple(types),
        actions=frozenset(r.action for r in islice(readings(words), _MAX_READINGS)),
        numbers=_numbers(words),
        unknown_names=unknown_names,
        unknown_words=tuple(w for w in words if not _known(w, index)),
        arm_service=f"alarm_control_panel.{arm_mode(words)}",
        words=frozenset(words),
        groups=tuple(groups),
        alike=tuple(dict.fromkeys(alike)),
        parts=() if unknown_names else _parts(words, commas, covered, found, index),
    )


def _parts(
    words: list[str],
    commas: set[int],
    covered: set[int],
    found: list[tuple[int, set[str], set[str], list[TypeHint]]],
    index: NameIndex,
) -> tuple[Part, ...]:
    """The parts of words joined with "and" or a comma (none for one part): per part the
    devices, places and types its phrases name (and devices a word of whose name it alone
    says) and the actions the rules read in it alone."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, word in enumerate(words):
        if i in commas or word in _JOINS:
            spans.append((start, i))
            start = i + 1 if word in _JOINS else i
    spans.append((start, len(words)))
    spans = [(a, b) for a, b in spans if b > a]
    if len(spans) < 2:
        return ()
    parts = []
    for start, end in spans:
        mine = [f for f in found if start <= f[0] < end]
        devices = {e for f in mine for e in f[1]}
        free = [words[i] for i in range(start, end) if i not in covered]
        for owners in _by_name_word(free, index):
            devices |= owners
        parts.append(
            Part(
                devices=frozenset(devices),
                areas=frozenset(a for f in mine for a in f[2]),
                types=tuple(t for f in mine for t in f[3]),
                actions=frozenset(
                    r.action for r in islice(readings(words[start:end]), _MAX_READINGS)
                ),
            )
        )
    return tuple(parts)


def _areas_by_word(words: list[str], covered: set[int], index: NameIndex) -> set[str]:
    """Areas a place said names by a word of theirs ("in the bedroom" of a home with a
    "Master Bedroom" and no "Bedroom"), as the core reads such a place."""
    found: set[str] = set()
    for i, word in enumerate(words):
        if i in covered or not _after_place_word(words, i) or word in STOP_WORDS:
            continue
        found |= {
            a.id
            for a in index.registry.areas.values()
            if word in {t for name in (a.name, *a.aliases) for t in tokenize(name)}
        }
    return found


def _listed(words: list[str], covered: set[int], index: NameIndex) -> list[frozenset[str]]:
    """Devices listed with "and", each by a word of its name ("Sue's lamp and Tom's lamp"):
    an answer must act on each, as on a name said in full."""
    parts: list[list[str]] = [[]]
    for i, word in enumerate(words):
        if word in {"and", "&"}:
            parts.append([])
        elif i not in covered:
            parts[-1].append(word)
    if len(parts) < 2:
        return []
    found = []
    for part in parts:
        single = [owners for owners in _by_name_word(part, index) if len(owners) == 1]
        if len(single) == 1:
            found.append(single[0])
    return found


def _typo(words: list[str], i: int, index: NameIndex) -> str:
    """Word ``i``, or the word of the rules it is a typo of: "tunr" is "turn", "degress"
    "degrees", "teh" "the", and "of" after "turn" or "switch" is "off". A word the home knows
    as it is written stays."""
    word = words[i]
    if word == "of" and i > 0 and words[i - 1] in _SWITCHING:
        return "off"
    if word in STOP_WORDS or is_verb_word(word) or singular(word) in index.known:
        return word
    return verb_behind_typo(word) or word_behind_typo(word) or word


def _verb_not_type(match: Match, matches: list[Match], words: list[str]) -> bool:
    """Whether ``match`` is the command verb rather than a type word: "lock" in "lock the
    gate", "switch" in "... and switch off the lamp" (the first word of the request or of
    a part after "and", a word of the rules, and the target is said after it)."""
    at = match.start
    if at != 0 and words[at - 1] not in _JOINS:
        return False
    if match.end != at + 1 or not is_rule_word(words[at]):
        return False
    return any(
        e.kind in (Kind.DEVICE, Kind.SHORT, Kind.TYPE)
        for m in matches
        if m.start > at
        for e in m.entries
    )


def _sort(match: Match, index: NameIndex) -> tuple[set[str], set[str], list[TypeHint]]:
    """The devices, areas and type words one phrase names (a type word hides short names)."""
    typed = any(e.kind is Kind.TYPE for e in match.entries)
    devices, areas, types = set(), set(), []
    for entry in match.entries:
        if entry.kind is Kind.DEVICE or (entry.kind is Kind.SHORT and not typed):
            devices.add(entry.ref)
        elif entry.kind is Kind.AREA:
            areas.add(entry.ref)
        elif entry.kind is Kind.FLOOR:
            areas.update(a.id for a in index.registry.areas.values() if a.floor_id == entry.ref)
        elif entry.kind is Kind.TYPE:
            types.append(TYPE_WORDS[tuple(entry.ref.split())])
    return devices, areas, types


def _by_name_word(words: list[str], index: NameIndex) -> list[frozenset[str]]:
    """Per word said, the few devices that alone carry it ("the one over the mirror": the
    Mirror Light)."""
    found: list[frozenset[str]] = []
    places = {
        t
        for phrase, entries in index.phrases.items()
        if any(e.kind in {Kind.AREA, Kind.FLOOR} for e in entries)
        for t in phrase
    }
    for word in words:
        canon = index.canon(word)[0]
        if canon in STOP_WORDS or canon in places or (canon,) in TYPE_WORDS:
            continue
        owners = {
            e.ref
            for phrase, entries in index.phrases.items()
            if canon in phrase
            for e in entries
            if e.kind is Kind.DEVICE
        }
        if 0 < len(owners) <= _FEW:
            found.append(frozenset(owners))
    return found


def _numbers(words: list[str]) -> frozenset[float]:
    said = {n for w in words if (n := as_number(w)) is not None}
    if _FULL & set(words):
        said.add(100.0)
    if _HALF & set(words):
        said.add(50.0)
    return frozenset(said)


def _known(word: str, index: NameIndex) -> bool:
    return (
        word in STOP_WORDS
        or word in _NOT_PLACES
        or word in _FULL | _HALF
        or as_number(word) is not None
        or is_verb_word(word)
        or word in COLORS
        or index.canon(word)[0] in index.known
    )


def _unknown_names(
    words: list[str], free: list[str], index: NameIndex, matches: list[Match]
) -> tuple[str, ...]:
    """Places and names said that this home does not have."""
    unknown = [
        w
        for i, w in enumerate(words)
        if (_after_place_word(words, i) or _ends_named_thing(words, i)) and not _known(w, index)
    ]
    for match in matches:  # "the pool lights": an unknown word naming a kind of thing
        if any(e.kind is Kind.TYPE for e in match.entries) and match.start > 0:
            before = words[match.start - 1]
            if not _known(before, index):
                unknown.append(before)
    floors = any(e.kind is Kind.FLOOR for m in matches for e in m.entries)
    if not floors and _FLOOR_WORDS & set(free):  # "the second floor", not "the floor lamp"
        unknown.append(next(w for w in free if w in _FLOOR_WORDS))
    return tuple(dict.fromkeys(unknown))


def _ends_named_thing(words: list[str], i: int) -> bool:
    """``tub`` in "turn on the hot tub", ``washing`` in "the washing machine": a word of a
    phrase after "the" (or "my", "our"...) of at most three words that ends the request or
    its part before a place or an "and", with no filler in it ("a sauna in here" names no
    thing; "the light, ta" ends before "ta")."""
    for k in range(i + 1, min(len(words), i + 3) + 1):
        if k == len(words) or words[k] in _PLACE_WORDS | {"and"}:
            break
        if words[k] in STOP_WORDS:
            return False
    else:
        return False
    for j in range(i - 1, max(-1, i - 4), -1):
        if words[j] in _DETERMINERS:
            return True
        if words[j] in STOP_WORDS:
            return False
    return False


def _after_place_word(words: list[str], i: int) -> bool:
    """``attic`` in "in the attic": the first word after a place preposition and determiners."""
    j = i - 1
    while j >= 0 and words[j] in _DETERMINERS:
        j -= 1
    return j >= 0 and j < i and words[j] in _PLACE_WORDS
