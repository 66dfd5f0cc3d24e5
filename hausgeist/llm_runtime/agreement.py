"""Does the model's answer agree with what the deterministic core can read in the words?

The core's name index finds the devices, areas, floors and type words a request
mentions, and its intent rules find the actions and values it asks for
(:mod:`.mentions`). An LLM answer that contradicts them (another device than the one
named, a room that was not said, the opposite verb, a number nobody said, one device
picked at random among several) is refused, whatever the model's confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hausgeist.devices.actions import ServiceCall, offered_services
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.llm_runtime.mentions import Mentions
from hausgeist.llm_runtime.values import number_anchored, unsaid_value, uses_number
from hausgeist.llm_runtime.verbs import ARM_SERVICES, VALUED, compatible_services
from hausgeist.understanding.intents import Action
from hausgeist.understanding.policy import is_sensitive
from hausgeist.understanding.text import singular, tokenize
from hausgeist.understanding.vocabulary import TypeHint


class Agreement:
    """Checks LLM answers against the request's mentions; says why they disagree."""

    def __init__(self, registry: DeviceRegistry) -> None:
        self.registry = registry
        self._offers = {
            d.entity_id: frozenset(f"{d.domain}.{s.name}" for s in offered_services(d))
            for d in registry
        }
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
        targets = frozenset(c.entity_id for c in calls)
        missed = [g for g in mentions.groups if not g & targets]
        if missed:
            return f"the request also names {_ids(missed[0])}, which the answer leaves out"
        for call in calls:
            reason = self._call(call, mentions, requester_area, targets)
            if reason is not None:
                return reason
        return None

    def refusal_disagreement(self, reason: str, mentions: Mentions) -> str | None:
        """Why refusing contradicts the words, or None when the refusal may stand."""
        if not mentions.actions:
            return "a refusal, but the words ask for no action"
        if reason == "no_such_device" and not mentions.unknown_names:
            return "says no such device, but the words name nothing this home lacks"
        able = compatible_services(mentions.actions - VALUED)  # a value may be what is impossible
        if reason == "not_possible" and any(self._offers[d] & able for d in mentions.devices):
            return "says it is not possible, but a named device can do it"
        return None

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
        named = call.entity_id in mentions.devices
        if mentions.only is not None and call.entity_id not in mentions.only:
            return (
                f"{call.entity_id} is not one of the devices just offered ({_ids(mentions.only)})"
            )
        if mentions.only is not None:
            named = True  # picked among the candidates the core itself offered
        if mentions.unknown_names and not named:
            return (
                f"the request names something this home does not have: {mentions.unknown_names[0]}"
            )
        if is_sensitive(call, self.registry) and not named:
            return f"{call.service} needs its device named, and {call.entity_id} was not"
        reason = self._verb(call, mentions) or unsaid_value(call, mentions)
        if reason is not None or named:
            return reason
        return self._place_or_type(device, mentions, requester_area, targets)

    def _verb(self, call: ServiceCall, mentions: Mentions) -> str | None:
        if not mentions.actions:
            return None
        matching = {a for a in mentions.actions if call.service in compatible_services({a})}
        if not matching:
            said = ", ".join(sorted(a.value for a in mentions.actions))
            return f"the words ask to {said}, not {call.service}"
        if matching <= VALUED and not call.data:
            return f"the words give a value, but {call.service} sets none"
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
        entity = device.entity_id
        if mentions.unknown_words:  # "the note in the hall": that word may be the target
            return f"{entity} was not named, and {mentions.unknown_words[0]!r} may name the target"
        if mentions.areas and not self._in_places(device, mentions.areas):
            return f"the request names {_ids(mentions.areas)}, but {entity} is elsewhere"
        if mentions.types and not any(self._admits(t, device) for t in mentions.types):
            words = ", ".join(t.word or "/".join(sorted(t.domains)) for t in mentions.types)
            return f"the request speaks of {words}; {entity} is not one"
        if mentions.devices and not mentions.areas and not mentions.types:
            return f"the request names {_ids(mentions.devices)}, not {entity}"
        scope = mentions.areas or (frozenset({requester_area}) if requester_area else None)
        pool = [
            d.entity_id
            for d in self.registry
            if d.domain == device.domain
            and (scope is None or self._in_places(d, scope))
            and (not mentions.types or any(self._admits(t, d) for t in mentions.types))
        ]
        if len(pool) > 1 and not set(pool) <= targets:
            return f"{entity} is a guess among {len(pool)} that fit the words"
        return None

    def _in_places(self, device: Device, areas: frozenset[str]) -> bool:
        """In one of ``areas``; or on their floor when none of them has a device of its domain."""
        if device.area_id is None or device.area_id in areas:
            return True
        if any(d.domain == device.domain and d.area_id in areas for d in self.registry):
            return False
        floors = {self.registry.areas[a].floor_id for a in areas if a in self.registry.areas}
        floor = self.registry.floor_of(device)
        return floor is not None and floor.id in floors

    def _admits(self, hint: TypeHint, device: Device) -> bool:
        if hint.kind == "soft" and device.domain in hint.domains:
            return True
        return hint.admits(device.domain, device.device_class, self._words[device.entity_id])


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids))
