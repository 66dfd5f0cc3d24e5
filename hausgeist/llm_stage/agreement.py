"""Does the model's answer agree with what the deterministic core can read in the words?

The core's name index finds the devices, areas, floors and type words a request
mentions, and its intent rules find the actions and values it asks for
(:mod:`.mentions`). An LLM answer that contradicts them (another device than the one
named, a room that was not said, the opposite verb, a number nobody said, one device
picked at random among several) is refused, whatever the model's confidence.

The same reading also narrows what the model may write before it writes it
(:meth:`Agreement.focus`): only devices the words can mean, only services the verbs
read can mean. An answer outside that set would be refused afterwards anyway; inside it
the model chooses among what is left, and more of its answer is forced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

from hausgeist.devices.actions import ServiceCall, offered_services
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.llm_stage.grammar import MOST_CALLS, device_offers
from hausgeist.llm_stage.mentions import Mentions
from hausgeist.llm_stage.values import number_anchored, unsaid_value, uses_number
from hausgeist.llm_stage.verbs import (
    ARM_SERVICES,
    STEP_SERVICES,
    STEPS,
    VALUED,
    compatible_services,
)
from hausgeist.understanding.words import (
    COLORS,
    FLOOR_WIDE,
    Action,
    TypeHint,
    is_sensitive,
    singular,
    tokenize,
)


class Agreement:
    """Checks LLM answers against the request's mentions; says why they disagree."""

    def __init__(self, registry: DeviceRegistry) -> None:
        self.registry = registry
        self._offers = {
            d.entity_id: frozenset(f"{d.domain}.{s.name}" for s in offered_services(d))
            for d in registry
        }
        self._valued = {
            d.entity_id: frozenset(o.service for o in device_offers(d) if o.keys) for d in registry
        }
        """Per device, the services through which the model may give it a value."""
        self._words = {
            d.entity_id: frozenset(
                singular(t) for name in (d.name, *d.aliases) for t in tokenize(name)
            )
            for d in registry
        }

    def disagreement(
        self, calls: Sequence[ServiceCall], mentions: Mentions, requester_area: str | None
    ) -> str | None:
        """Why the calls contradict the words, or None when they agree."""
        if not mentions.actions and not number_anchored(calls, mentions):
            return "the core reads no action in the words; the model would be guessing it"
        if mentions.numbers and not any(uses_number(c, mentions) for c in calls):
            return "a number was said, but no call uses it"
        coloured = mentions.words & COLORS.keys() and Action.COLOR in mentions.actions
        if coloured and not any(c.data.keys() & {"rgb_color", "color_temp_kelvin"} for c in calls):
            return "a colour was said, but no call sets it"  # "night light yellow at 20 percent"
        targets = frozenset(c.entity_id for c in calls)
        if len(targets) < len(calls):
            return "two calls for one device: the answer contradicts or repeats itself"
        missed = [g for g in mentions.groups if not g & targets]
        if missed:
            return f"the request also names {_ids(missed[0])}, which the answer leaves out"
        for alike in mentions.alike:
            meant = self._meant(alike, mentions, requester_area)
            if targets & alike and targets & alike != meant:
                which = _ids(meant) if meant else "none of them (which one?)"
                return f"the words name {_ids(alike)} alike; the answer must act on {which}"
        for call in calls:
            reason = self._call(call, mentions, requester_area, targets)
            if reason is not None:
                return reason
        devices = [self.registry.devices[t] for t in targets if t in self.registry.devices]
        for hint in mentions.types:  # "close the blinds and put the big lamp on"
            if not any(self._admits(hint, d) for d in devices):
                word = hint.word or "/".join(sorted(hint.domains))
                return f"the request also speaks of {word}, which no call acts on"
        return None

    def least_calls(self, mentions: Mentions, among: Iterable[str]) -> int:
        """The fewest calls among these devices that act on every device named in full and
        on a device of every type said (what :meth:`disagreement` asks of an answer); 1 when
        none or more than one answer can hold would do."""
        among = sorted(among)
        needs = [g & frozenset(among) for g in mentions.groups]
        needs += [
            frozenset(e for e in among if self._admits(hint, self.registry.devices[e]))
            for hint in mentions.types
        ]
        if not needs or not all(needs):
            return 1
        for size in range(1, MOST_CALLS + 1):
            if any(all(n & set(c) for n in needs) for c in combinations(among, size)):
                return size
        return 1

    def unanswerable(self, mentions: Mentions) -> str | None:
        """Why no answer of the model could pass the checks of these words (asking it would
        only cost time), or None. With no action read and no number said to a named device,
        every call and every refusal is turned down, and "unknown" decides nothing."""
        if not mentions.actions and not (mentions.numbers and mentions.devices):
            return "the core reads no action in the words, so no answer could be accepted"
        return None

    def focus(self, mentions: Mentions) -> dict[str, frozenset[str]] | None:
        """Per device, the services an answer may use without contradicting the words
        (``<domain>.<service>``); None when the words narrow nothing. Devices left out
        cannot be a target; an empty result leaves only a refusal or "unknown"."""
        narrowed = bool(mentions.actions)
        out: dict[str, frozenset[str]] = {}
        for device in self.registry:
            if not self._offers[device.entity_id]:
                continue
            named, reason = self._named(device.entity_id, mentions)
            if reason is None and not named:
                reason = self._placed(device, mentions)
            actions = self._own_actions(device, mentions)
            services = compatible_services(actions) if actions else None
            usable = self._usable(device.entity_id, mentions, services)
            if reason is None and usable:
                out[device.entity_id] = usable
            else:
                narrowed = True
        return out if narrowed else None

    def refusal_disagreement(self, reason: str, mentions: Mentions) -> str | None:
        """Why refusing contradicts the words, or None when the refusal may stand."""
        if not mentions.actions:
            return "a refusal, but the words ask for no action"
        lacking = mentions.unknown_names or any(
            not any(self._admits(t, d) for d in self.registry) for t in mentions.types
        )  # a name, or a kind of device ("the garage door"), this home does not have
        if reason == "no_such_device" and not lacking:
            return "says no such device, but the words name nothing this home lacks"
        if reason == "not_possible" and any(self._can(d, mentions) for d in mentions.devices):
            return "says it is not possible, but a named device can do it"
        return None

    def _can(self, entity: str, mentions: Mentions) -> bool:
        """Whether the device offers a service for the actions read (a value itself may be
        what is impossible, so it is not checked)."""
        return bool(self._usable(entity, mentions, compatible_services(mentions.actions - VALUED)))

    def _usable(
        self, entity: str, mentions: Mentions, services: frozenset[str] | None
    ) -> frozenset[str]:
        """The device's offers among ``services`` (all when None); when every action read
        asks for a value or a step ("dim the path lights"), only those that can take one."""
        usable = self._offers[entity] if services is None else self._offers[entity] & services
        usable = frozenset(s for s in usable if not self._toggle_guess(s, entity, mentions))
        actions = self._own_actions(self.registry.devices[entity], mentions)
        if actions and actions <= VALUED | STEPS:
            usable &= self._valued[entity] | STEP_SERVICES
        return usable

    def _toggle_guess(self, service: str, entity: str, mentions: Mentions) -> str | None:
        """The device's own service for what the words ask, when ``service`` is a toggle
        standing in for it ("pause" as play/pause): the toggle would do the opposite if the
        device is already so."""
        direct = {_TOGGLED[service].get(a) for a in mentions.actions} if service in _TOGGLED else ()
        return next((d for d in sorted(filter(None, direct)) if d in self._offers[entity]), None)

    def _call(
        self,
        call: ServiceCall,
        mentions: Mentions,
        requester_area: str | None,
        targets: frozenset[str],
    ) -> str | None:
        device = self.registry.get(call.entity_id)
        if device is None:
            return f"{call.entity_id} is not a device of this home"
        named, reason = self._named(call.entity_id, mentions)
        if reason is not None:
            return reason
        areas = self._own_areas(call.entity_id, mentions)
        if named and areas and not self._in_places(device, areas):
            return f"the request names {_ids(areas)}, but {call.entity_id} is elsewhere"
        if is_sensitive(call, self.registry) and not named:
            return f"{call.service} needs its device named, and {call.entity_id} was not"
        reason = self._verb(call, mentions) or unsaid_value(call, mentions)
        if reason is not None or named:
            return reason
        return self._place_or_type(device, mentions, requester_area, targets)

    def _named(self, entity: str, mentions: Mentions) -> tuple[bool, str | None]:
        """Whether the words name ``entity``, and why it cannot be a target whatever the call."""
        if mentions.only is not None and entity not in mentions.only:
            return False, f"{entity} is not one of the devices just offered ({_ids(mentions.only)})"
        if mentions.only is not None:
            return True, None  # picked among the candidates the core itself offered
        named = entity in mentions.devices
        if mentions.unknown_names and not named:
            return False, (
                f"the request names something this home does not have: {mentions.unknown_names[0]}"
            )
        return named, None

    def _own_areas(self, entity: str, mentions: Mentions) -> frozenset[str]:
        """The places said of a named device: those of the parts that name it ("the blinds
        in the lounge and the garage door": not the lounge for the door); else all said."""
        mine = [p for p in mentions.parts if entity in p.devices]
        return frozenset().union(*(p.areas for p in mine)) if mine else mentions.areas

    def _own_actions(self, device: Device, mentions: Mentions) -> frozenset[Action]:
        """The actions the words ask of ``device``: those of the parts that name it (or,
        unnamed, whose places and types it is) where they read an action of their own
        ("the pump off and the butt on": off for the pump, on for the butt); else every
        action read."""
        named = device.entity_id in mentions.devices
        own = [
            p.actions
            for p in mentions.parts
            if p.actions
            and (
                device.entity_id in p.devices
                if named
                else (p.areas or p.types)
                and (not p.areas or self._in_places(device, p.areas))
                and (not p.types or any(self._admits(t, device) for t in p.types))
            )
        ]
        return frozenset().union(*own) if own else mentions.actions

    def _verb(self, call: ServiceCall, mentions: Mentions) -> str | None:
        if not mentions.actions:
            return None
        device = self.registry.devices[call.entity_id]
        actions = self._own_actions(device, mentions)
        matching = {a for a in actions if call.service in compatible_services({a})}
        if not matching:
            said = ", ".join(sorted(a.value for a in actions))
            return f"the words ask to {said}, not {call.service}"
        direct = self._toggle_guess(call.service, call.entity_id, mentions)
        if direct is not None:
            return f"{call.service} toggles; the words ask for {direct}, which the device offers"
        if matching <= VALUED and not call.data:
            return f"the words give a value, but {call.service} sets none"
        if matching <= STEPS and not call.data and call.service not in STEP_SERVICES:
            return f"the words ask for a change of level, but {call.service} makes none"
        muted = call.data.get("is_volume_muted")
        if (matching == {Action.MUTE} and muted is False) or (
            matching == {Action.UNMUTE} and muted is True
        ):
            return f"the words ask to {next(iter(matching)).value}, not is_volume_muted {muted}"
        for key in _MODE_KEYS & call.data.keys():
            off = call.data[key] == "off"
            if (matching == {Action.OFF} and not off) or (matching == {Action.ON} and off):
                return f"the words ask to {next(iter(matching)).value}, not {key} {call.data[key]}"
        arming = matching & {Action.ARM, Action.ON}
        if arming and call.service in ARM_SERVICES and call.service != mentions.arm_service:
            return f"the words ask for {mentions.arm_service}, not {call.service}"
        return None

    def _place_or_type(
        self,
        device: Device,
        mentions: Mentions,
        requester_area: str | None,
        targets: frozenset[str],
    ) -> str | None:
        reason = self._placed(device, mentions)
        if reason is not None:
            return reason
        entity = device.entity_id
        fits = [
            d
            for d in self.registry
            if d.domain == device.domain
            and (not mentions.types or any(self._admits(t, d) for t in mentions.types))
        ]
        scope = mentions.areas or (frozenset({requester_area}) if requester_area else None)
        pool = [d.entity_id for d in fits if scope is None or self._in_places(d, scope)]
        if not pool and not mentions.areas:  # none in the requester's room: the whole home's
            pool = [d.entity_id for d in fits]
        if pool and entity not in pool:
            return f"{entity} is not where the request points: {_ids(pool)} would fit"
        if len(pool) > 1 and not set(pool) <= targets:
            return f"{entity} is a guess among {len(pool)} that fit the words"
        return None

    def _placed(self, device: Device, mentions: Mentions) -> str | None:
        """Why an unnamed device is not what the words' places, types and names point at."""
        entity = device.entity_id
        if mentions.unknown_words:  # "the note in the hall": that word may be the target
            return f"{entity} was not named, and {mentions.unknown_words[0]!r} may name the target"
        if mentions.areas and not self._in_places(device, mentions.areas):
            return f"the request names {_ids(mentions.areas)}, but {entity} is elsewhere"
        if mentions.types and not any(self._admits(t, device) for t in mentions.types):
            words = ", ".join(t.word or "/".join(sorted(t.domains)) for t in mentions.types)
            return f"the request speaks of {words}; {entity} is not one"
        if mentions.devices and not mentions.types:  # "the mower in the garden": not its valves
            return f"the request names {_ids(mentions.devices)}, not {entity}"
        return None

    def _meant(
        self, alike: frozenset[str], mentions: Mentions, requester_area: str | None
    ) -> frozenset[str]:
        """Which of devices named alike the words mean: those in the places said (none when
        none is there), else those in the requester's room, else all of them when said in
        the plural ("the ceiling lights"), else none (a question, not a guess)."""

        def within(places: frozenset[str]) -> frozenset[str]:
            return frozenset(e for e in alike if self._in_places(self.registry.devices[e], places))

        if mentions.areas:  # "the tv in the kitchen" means none of the tvs elsewhere
            return within(mentions.areas)
        here = within(frozenset({requester_area})) if requester_area is not None else None
        if here:
            return here
        plural = any(
            w != singular(w) and singular(w) in self._words[e]
            for w in mentions.words
            for e in alike
        )
        return alike if plural else frozenset()  # "the floor lamp" of two: which one?

    def _in_places(self, device: Device, areas: frozenset[str]) -> bool:
        """In one of ``areas``; or, for a thermostat, vacuum or water heater, on their floor
        when none of them has one (as the core resolves them)."""
        if device.area_id is None or device.area_id in areas:
            return True
        if device.domain not in FLOOR_WIDE:
            return False
        if any(d.domain == device.domain and d.area_id in areas for d in self.registry):
            return False
        floors = {self.registry.areas[a].floor_id for a in areas if a in self.registry.areas}
        floor = self.registry.floor_of(device)
        return floor is not None and floor.id in floors

    def _admits(self, hint: TypeHint, device: Device) -> bool:
        if hint.kind == "soft" and device.domain in hint.domains:
            return True
        return hint.admits(device.domain, device.device_class, self._words[device.entity_id])


_MODE_KEYS = frozenset({"hvac_mode", "operation_mode"})
"""Modes that say on or off themselves: "switch off the heating" is no mode "heat"."""

_TOGGLED = {
    "media_player.media_play_pause": {
        Action.PLAY: "media_player.media_play",
        Action.PAUSE: "media_player.media_pause",
    }
}
"""Toggles a verb may land on, and the service each verb has of its own."""


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids))
