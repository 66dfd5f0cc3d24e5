"""Which devices a clause means: names, areas, floors, type words, name words, context."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.understanding.index import Kind, Match, NameIndex
from hausgeist.understanding.intents import is_verb_word
from hausgeist.understanding.text import as_number, singular, tokenize
from hausgeist.understanding.vocabulary import (
    PRONOUNS,
    QUANTIFIERS,
    STOP_WORDS,
    WHOLE_HOME,
    TypeHint,
)

Fits = Callable[[Device], bool]
_EXCEPT = frozenset({"except", "excluding", "apart", "besides", "but", "other"})
_PLAYING = frozenset({"playing", "paused", "on", "buffering"})
FLOOR_WIDE = frozenset({"climate", "vacuum", "water_heater"})
"""Domains where a room without its own device uses the one of its floor."""
_ALL_SAFE = frozenset({"lock"})
"""Domains where a plural means every one of them, wherever they are ("lock the doors")."""
_COOLING = frozenset({"ac", "air conditioning", "air conditioner", "aircon"})


class Outcome(StrEnum):
    """How resolution ended."""

    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"
    """A word names nothing in this home."""
    EMPTY = "empty"
    """The named place has no fitting device."""
    UNFIT = "unfit"
    """A device was named, but it cannot do the action."""
    NOTHING = "nothing"
    """No target at all could be made out."""


@dataclass
class Target:
    """The devices a clause is about."""

    outcome: Outcome
    devices: list[Device] = field(default_factory=list)
    candidates: list[Device] = field(default_factory=list)
    """For AMBIGUOUS: the ones to choose from."""
    message: str = ""
    trace: list[str] = field(default_factory=list)
    fuzzy: bool = False
    group: bool = False
    """Reached through a type word, an area or "all" rather than a device's own name."""
    implicit: bool = False
    """No target was said: it came from context (the room, the conversation, the only one)."""


@dataclass(frozen=True)
class Context:
    """Where the request comes from and what was talked about."""

    area: str | None = None
    device: str | None = None
    previous: tuple[str, ...] = ()
    """Entity ids the conversation was about last (for "it", "them")."""


@dataclass
class _Group:
    names: list[Device] = field(default_factory=list)
    exact: bool = False
    types: list[TypeHint] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    floors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    plural: bool = False
    fuzzy: bool = False
    unfit_names: list[Device] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def meaningful(self) -> bool:
        return bool(
            self.names
            or self.types
            or self.areas
            or self.floors
            or self.keywords
            or self.unknown
            or self.unfit_names
        )


@dataclass(frozen=True)
class _Ask:
    """What the whole clause says beyond one group."""

    fits: Fits
    context: Context
    area_default: tuple[str, ...]
    quantified: bool
    whole_home: bool
    pronoun: bool
    states: StateStore | None = None


class Resolver:
    """Resolves target words against one registry."""

    def __init__(self, registry: DeviceRegistry, index: NameIndex) -> None:
        self.registry = registry
        self.index = index
        self._words = {d.entity_id: _name_words(d, registry) for d in registry}
        self._area_words = {
            a.id: frozenset(singular(t) for n in (a.name, *a.aliases) for t in tokenize(n))
            for a in registry.areas.values()
        }

    def resolve(
        self,
        tokens: Sequence[str],
        fits: Fits,
        context: Context,
        area_default: tuple[str, ...] = (),
        states: StateStore | None = None,
    ) -> Target:
        """Resolve the target words of one clause (verbs and values already taken out)."""
        words = list(tokens)
        cut = next((i for i, w in enumerate(words) if w in _EXCEPT), None)
        if cut is not None and 0 < cut < len(words) - 1:
            return self._except(words[:cut], words[cut + 1 :], fits, context, area_default, states)
        quantified = any(w in QUANTIFIERS for w in words)
        ask = _Ask(
            fits,
            _with_device_area(context, self.registry),
            area_default,
            quantified,
            (quantified and any(w in WHOLE_HOME for w in words)) or "everywhere" in words,
            any(w in PRONOUNS for w in words),
            states,
        )
        groups = [
            g for g in (self._group(part, fits) for part in _split_and(words)) if g.meaningful()
        ] or [_Group()]
        fuzzy = any(g.fuzzy for g in groups)
        unknown = [w for g in groups for w in g.unknown]
        if unknown:
            message = _unknown_message(unknown, words)
            return Target(
                Outcome.UNKNOWN,
                message=message,
                trace=[f"unknown words: {' '.join(unknown)}"],
                fuzzy=fuzzy,
            )
        shared_types = [t for g in groups for t in g.types]
        shared_areas = [a for g in groups for a in g.areas]
        shared_floors = [f for g in groups for f in g.floors]
        found = Target(Outcome.FOUND, fuzzy=fuzzy)
        for group in groups:
            if (
                not group.types
                and not group.names
                and not group.keywords
                and (group.areas or group.floors)
            ):
                group.types = shared_types  # "the kitchen and living room lights"
            if not group.areas and not group.floors and not group.names:
                group.areas, group.floors = shared_areas, shared_floors
            part = self._resolve_group(group, ask)
            found.trace.extend(part.trace)
            if part.outcome is not Outcome.FOUND:
                part.trace, part.fuzzy = found.trace, fuzzy
                return part
            found.group |= part.group
            found.implicit |= part.implicit
            found.devices.extend(d for d in part.devices if d not in found.devices)
        return found

    def words_of(self, device: Device) -> frozenset[str]:
        """The words of a device's name and aliases (singular)."""
        return self._words[device.entity_id]

    # -- parsing one group -------------------------------------------------------------

    def _except(
        self,
        keep: list[str],
        drop: list[str],
        fits: Fits,
        context: Context,
        area_default: tuple[str, ...],
        states: StateStore | None,
    ) -> Target:
        """``all the lights except the kitchen``: the first group less the second."""
        target = self.resolve(keep, fits, context, area_default, states)
        if target.outcome is not Outcome.FOUND:
            return target
        left_out = self.resolve(
            [w for w in drop if w not in {"not", "from", "than"}], fits, Context(), (), states
        )
        if left_out.outcome is not Outcome.FOUND:
            return left_out
        target.devices = [d for d in target.devices if d not in left_out.devices]
        target.trace.append(f"except: {_names(left_out.devices)}")
        if not target.devices:
            return Target(
                Outcome.EMPTY, message="device left once those are excepted", trace=target.trace
            )
        return target

    def _group(self, words: list[str], fits: Fits) -> _Group:
        group = _Group()
        covered: set[int] = set()
        matches = self.index.find(words)
        for index, match in enumerate(matches):
            covered.update(range(match.start, match.end))
            group.fuzzy |= match.fuzzy
            group.plural |= match.plural
            following = matches[index + 1] if index + 1 < len(matches) else None
            if _modifies(match, following):
                # "garage light": a type word before the head noun narrows it like a name word.
                group.keywords.extend(singular(w) for w in words[match.start : match.end])
                continue
            self._interpret(match, words, group, fits)
        heads = {m.start for m in matches}
        for i, word in enumerate(words):
            if (
                i in covered
                or word in STOP_WORDS
                or as_number(word) is not None
                or is_verb_word(word)
            ):
                continue
            canon, guessed = self.index.canon(word)
            if canon in self.index.known:
                group.keywords.append(canon)
                group.fuzzy |= guessed
                group.plural |= singular(word) != word
            elif _purpose(words, i):
                group.ignored.append(word)  # "open the door for the delivery"
            elif (
                not matches
                or i > min(heads)
                or i + 1 in heads
                or _after_in(words, i)
                or _object(words, i)
            ):
                group.unknown.append(word)  # "the fridge light", "in the attic", "the sauna"
            else:
                group.ignored.append(word)  # "flick the kettle on": a verb we don't know
        return group

    def _interpret(self, match: Match, words: list[str], group: _Group, fits: Fits) -> None:
        kinds = {e.kind for e in match.entries}
        devices = [self.registry.devices[e.ref] for e in match.entries if e.kind is Kind.DEVICE]
        shorts = [self.registry.devices[e.ref] for e in match.entries if e.kind is Kind.SHORT]
        said = words[match.start : match.end]
        fitting = [d for d in devices if fits(d)]
        plural_type = (
            match.plural and Kind.TYPE in kinds
        )  # "the blinds": every blind, not the one named "Blinds"
        if fitting and not plural_type and not (match.plural and self._area_type(said, _Group())):
            group.names.extend(fitting)
            group.exact = True
            return
        if Kind.AREA in kinds:
            group.areas.extend(e.ref for e in match.entries if e.kind is Kind.AREA)
            return
        if Kind.FLOOR in kinds:
            group.floors.extend(e.ref for e in match.entries if e.kind is Kind.FLOOR)
            return
        types = [self.index.type_hint(e.ref) for e in match.entries if e.kind is Kind.TYPE]
        if match.plural and not types and self._area_type(said, group):
            return
        short_fit = [d for d in shorts if fits(d)]
        if short_fit and not types:
            group.names.extend(short_fit)
        elif types:
            group.types.extend(types)
            # "ceiling light": a type word that is also part of names narrows like a name would.
            typed = {w for t in types for w in t.word.split()}
            group.keywords.extend(
                c
                for w in said
                if (c := self.index.canon(w)[0]) not in typed and w not in STOP_WORDS
            )
        elif devices or shorts:
            group.unfit_names.extend(devices or shorts)

    def _area_type(self, words: list[str], group: _Group) -> bool:
        """``kitchen lights`` said of a device named "Kitchen Light": the plural means the group."""
        found = area_and_type(words, self.index)
        if found is None:
            return False
        group.areas.append(found[0])
        group.types.append(found[1])
        return True

    # -- resolving one group -----------------------------------------------------------

    def _resolve_group(self, group: _Group, ask: _Ask) -> Target:
        keyword_areas = self._keyword_areas(group)
        scope_areas = set(group.areas) | keyword_areas
        scope = self._scope(scope_areas, group.floors)
        place = self._place(sorted(scope_areas), group.floors)
        if group.unfit_names and not group.names:
            names = ", ".join(sorted({d.name for d in group.unfit_names}))
            return Target(
                Outcome.UNFIT,
                candidates=group.unfit_names,
                message=names,
                trace=[f"{names} can't do that"],
            )
        pool, what, is_group = self._candidates(group, ask)
        if pool is None:
            if scope is None:
                return self._implicit(ask)
            pool = [
                d
                for d in self.registry
                if ask.fits(d) and d.entity_id in scope and d.domain not in NAMED_ONLY
            ]
            what, is_group, pool = "device", True, _by_preference(pool, ask.area_default)
        trace = [f"candidates ({what}): {_names(pool)}"]
        if scope is not None:
            inside = [d for d in pool if d.entity_id in scope]
            if not inside and group.names:
                inside = self._named_inside(group, ask, scope)
            if not inside and all(t.kind == "generic" for t in group.types) and not group.names:
                inside = self._floor_fallback(pool, scope_areas)
            pool = inside
            trace.append(f"in {place}: {_names(pool)}")
            if not pool:
                return Target(Outcome.EMPTY, message=f"{what} in {place}", trace=trace)
        if not pool:
            return Target(Outcome.EMPTY, message=what, trace=[*trace, f"no {what} in this home"])
        return self._choose(
            pool,
            group,
            ask,
            trace,
            is_group=is_group,
            explicit_place=bool(group.areas or group.floors),
        )

    def _named_inside(self, group: _Group, ask: _Ask, scope: set[str]) -> list[Device]:
        """ "bedside lamps in the master bedroom" where those are "Left/Right Bedside Lamp"."""
        wanted = set.intersection(*(set(self._words[d.entity_id]) for d in group.names))
        return [
            d
            for d in self.registry
            if d.entity_id in scope and ask.fits(d) and wanted <= self._words[d.entity_id]
        ]

    def _floor_fallback(self, pool: list[Device], areas: set[str]) -> list[Device]:
        """A room without its own thermostat or vacuum uses the one of its floor, if only one."""
        floors = {self.registry.areas[a].floor_id for a in areas if a in self.registry.areas}
        floors.discard(None)
        if len(floors) != 1 or not pool or {d.domain for d in pool} - FLOOR_WIDE:
            return []
        floor = next(iter(floors))
        on_floor = [
            d for d in pool if d.area_id and self.registry.areas[d.area_id].floor_id == floor
        ]
        return on_floor if len(on_floor) == 1 else []

    def _candidates(self, group: _Group, ask: _Ask) -> tuple[list[Device] | None, str, bool]:
        device_words = [k for k in group.keywords if not self._is_area_word(k)]
        if group.names:
            names = list(dict.fromkeys(group.names))
            if device_words:
                names = [d for d in names if set(device_words) <= self._words[d.entity_id]] or names
            return names, " or ".join(sorted({d.name for d in names})), False
        if device_words:
            pool = [
                d
                for d in self.registry
                if ask.fits(d) and set(device_words) <= self._words[d.entity_id]
            ]
            if group.types:
                pool = [
                    d
                    for d in pool
                    if any(
                        t.admits(d.domain, d.device_class, self._words[d.entity_id])
                        for t in group.types
                    )
                ]
            return pool, " ".join(device_words), len(pool) > 1
        if group.types:
            pool = [
                d
                for d in self.registry
                if ask.fits(d) and any(self._type_fits(t, d) for t in group.types)
            ]
            soft = [t for t in group.types if t.kind == "soft"]
            if soft:
                named = [
                    d
                    for d in pool
                    if any(set(t.word.split()) <= self._words[d.entity_id] for t in soft)
                ]
                # "the groceries list" of a list named "Groceries": its name without the noun
                lists = [set(t.word.split()) - {"list"} for t in soft if t.word.endswith(" list")]
                named = named or [
                    d for d in pool if any(w and w <= self._words[d.entity_id] for w in lists)
                ]
                pool = named or pool
            return pool, _type_words(group.types), True
        return None, "", True

    def _type_fits(self, hint: TypeHint, device: Device) -> bool:
        words = self._words[device.entity_id]
        if hint.word in _COOLING and device.domain == "climate":
            modes = device.initial_attributes.get("hvac_modes")
            if isinstance(modes, list) and not {"cool", "heat_cool", "auto"} & {
                str(m) for m in modes
            }:
                return False  # "air conditioning" is not a heating-only thermostat
        if hint.kind == "soft":
            return (
                hint.admits(device.domain, device.device_class, words)
                or device.domain in hint.domains
            )
        return hint.admits(device.domain, device.device_class, words)

    def _choose(
        self,
        pool: list[Device],
        group: _Group,
        ask: _Ask,
        trace: list[str],
        *,
        is_group: bool,
        explicit_place: bool,
    ) -> Target:
        if len(pool) == 1 or ask.quantified or ask.whole_home:
            return Target(
                Outcome.FOUND,
                pool,
                trace=[*trace, "all of them" if len(pool) > 1 else "the only one"],
                group=is_group or len(pool) > 1,
            )
        local = [d for d in pool if ask.context.area is not None and d.area_id == ask.context.area]
        if not local and ask.context.area is not None:
            local = self._floor_fallback(pool, {ask.context.area})
        areas = {d.area_id for d in pool}
        generic = is_group and all(t.kind == "generic" for t in group.types)
        # "the light" from a room with several: which one? ("the lights": all of them there).
        if not explicit_place and local and (len(local) == 1 or group.plural):
            return Target(
                Outcome.FOUND,
                local,
                trace=[*trace, f"in the requester's area: {_names(local)}"],
                group=True,
            )
        if explicit_place and (generic or group.plural):
            return Target(
                Outcome.FOUND, pool, trace=[*trace, "everything of that kind there"], group=True
            )
        if group.plural and (len(areas) == 1 or {d.domain for d in pool} <= _ALL_SAFE):
            return Target(
                Outcome.FOUND, pool, trace=[*trace, "all of them, in one place"], group=True
            )
        if not explicit_place and len(local) > 1:
            # "the lamp" from a room with two: which of those two, not of every lamp.
            return Target(
                Outcome.AMBIGUOUS, candidates=local, trace=[*trace, "more than one fits here"]
            )
        return Target(Outcome.AMBIGUOUS, candidates=pool, trace=[*trace, "more than one fits"])

    def _implicit(self, ask: _Ask) -> Target:
        context = ask.context
        if context.device is not None:
            own = self.registry.get(context.device)
            if own is not None and ask.fits(own):
                return Target(Outcome.FOUND, [own], trace=[f"the requesting device: {own.name}"])
        if context.previous:
            # "it", or nothing at all: what the conversation was just about ("brighter").
            earlier = [
                d
                for e in context.previous
                if (d := self.registry.get(e)) is not None and ask.fits(d)
            ]
            if earlier:
                return Target(
                    Outcome.FOUND, earlier, trace=[f"'it' means {_names(earlier)}"], implicit=True
                )
        pool = [d for d in self.registry if ask.fits(d) and d.domain not in NAMED_ONLY]
        preferred = self._active(_by_preference(pool, ask.area_default), ask)
        if (ask.whole_home or ask.quantified) and preferred:
            return Target(
                Outcome.FOUND, preferred, trace=[f"everywhere: {_names(preferred)}"], group=True
            )
        if context.area is not None:
            local = [d for d in preferred if d.area_id == context.area] or self._floor_fallback(
                preferred, {context.area}
            )
            if local and (len(local) == 1 or len({d.domain for d in local}) == 1):
                return Target(
                    Outcome.FOUND,
                    local,
                    trace=[f"in the requester's area: {_names(local)}"],
                    group=True,
                    implicit=True,
                )
        if len(preferred) == 1:
            return Target(
                Outcome.FOUND,
                preferred,
                trace=[f"the only one: {preferred[0].name}"],
                implicit=True,
            )
        if 1 < len(preferred) <= 24 and len({d.domain for d in preferred}) == 1:
            return Target(
                Outcome.AMBIGUOUS,
                candidates=preferred,
                trace=[f"several: {_names(preferred)}"],
                implicit=True,
            )
        return Target(Outcome.NOTHING, trace=["no target named"], implicit=True)

    def _active(self, pool: list[Device], ask: _Ask) -> list[Device]:
        """For playback, the players that are on: "next song" means the one playing."""
        if ask.states is None or not pool or {d.domain for d in pool} != {"media_player"}:
            return pool
        on = [d for d in pool if (ask.states.get(d.entity_id).state or "off") in _PLAYING]
        return on or pool

    def _keyword_areas(self, group: _Group) -> set[str]:
        """``bedroom`` when the home has a Blue Bedroom and a Green Bedroom: both, to ask which."""
        area_words = [k for k in group.keywords if self._is_area_word(k)]
        if not area_words:
            return set()
        return {a for a, words in self._area_words.items() if set(area_words) <= words}

    def _is_area_word(self, word: str) -> bool:
        return any(word in words for words in self._area_words.values())

    def _scope(self, areas: set[str], floors: list[str]) -> set[str] | None:
        if not areas and not floors:
            return None
        ids = {d.entity_id for a in areas for d in self.registry.in_area(a)}
        ids |= {d.entity_id for f in floors for d in self.registry.on_floor(f)}
        return ids

    def _place(self, areas: list[str], floors: list[str]) -> str:
        names = [self.registry.areas[a].name for a in areas] + [
            self.registry.floors[f].name for f in floors
        ]
        return " and ".join(f"the {n}" for n in names) or "this home"


NAMED_ONLY = frozenset({"siren"})
"""Domains acted on only where named (by name or kind): "turn on the hall" is never its siren."""


def _by_preference(pool: list[Device], order: tuple[str, ...]) -> list[Device]:
    """The devices of the first domain in ``order`` that has any; all of them when none has."""
    for domain in order:
        found = [d for d in pool if d.domain == domain]
        if found:
            return found
    return pool


def _modifies(match: Match, following: Match | None) -> bool:
    """A type word right before another type word is a modifier: "garage light", "hall lamp"."""
    if following is None or following.start != match.end:
        return False
    kinds = {e.kind for e in match.entries}
    return kinds == {Kind.TYPE} and all(e.kind is Kind.TYPE for e in following.entries)


def _purpose(words: list[str], i: int) -> bool:
    """``for the delivery``: why it is asked, not what it is about."""
    before = [w for w in words[:i] if w not in {"the", "a", "an", "my", "our"}]
    return bool(before) and before[-1] == "for"


def _object(words: list[str], i: int) -> bool:
    """``the plants``: after an article a word is a thing, not a verb we can skip."""
    return i > 0 and words[i - 1] in {"the", "a", "an", "my", "our", "your", "this", "that", "some"}


def _after_in(words: list[str], i: int) -> bool:
    """``in the attic``: the word names a place."""
    before = [w for w in words[:i] if w not in {"the", "my", "our"}]
    return bool(before) and before[-1] in {"in", "inside", "upstairs", "downstairs", "at", "on"}


def _with_device_area(context: Context, registry: DeviceRegistry) -> Context:
    if context.area is not None or context.device is None:
        return context
    device = registry.get(context.device)
    if device is None or device.area_id is None:
        return context
    return Context(device.area_id, context.device, context.previous)


def area_and_type(words: Sequence[str], index: NameIndex) -> tuple[str, TypeHint] | None:
    """The area and the type word ``words`` say ("kitchen lights": the kitchen, lights), or
    None when they are not an area's name followed by type words alone."""
    for cut in range(1, len(words)):
        area = index.registry.area_named(" ".join(words[:cut]))
        rest = index.find(list(words[cut:]))
        types = [e.ref for m in rest for e in m.entries if e.kind is Kind.TYPE]
        if area is not None and types and sum(m.end - m.start for m in rest) == len(words) - cut:
            return area.id, index.type_hint(types[0])
    return None


def _name_words(device: Device, registry: DeviceRegistry) -> frozenset[str]:
    del registry
    return frozenset(singular(t) for n in (device.name, *device.aliases) for t in tokenize(n))


def _split_and(words: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in words:
        if word in {"and", "&", "plus"}:
            parts.append([])
        else:
            parts[-1].append(word)
    return [p for p in parts if p]


def _names(devices: Sequence[Device]) -> str:
    return ", ".join(d.name for d in devices[:8]) + (
        f" and {len(devices) - 8} more" if len(devices) > 8 else ""
    )


def _type_words(types: list[TypeHint]) -> str:
    return " or ".join(dict.fromkeys(t.word for t in types))


def _unknown_message(unknown: list[str], words: list[str]) -> str:
    phrase = " ".join(unknown)
    for i, word in enumerate(words[:-1]):
        if word in {"in", "inside", "upstairs", "downstairs"} and words[i + 1] in [*unknown, "the"]:
            return f"I don't know an area called '{phrase}'"
    return f"I don't know a device or area called '{phrase}'"
