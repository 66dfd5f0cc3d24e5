"""The decision grammar: GBNF built from the registry and the capability tables.

The model can only write an answer of :mod:`.schema` that names a visible entity,
a service that entity offers (``offered_services``), and data keys it takes with
values in range or from the allowed choices. Devices whose offers are identical
share one rule, so a 200-device home stays a few hundred lines of grammar::

    call     ::= "{\"entity_id\": " target "}"
    target   ::= g1 | g2 | ...
    g1       ::= g1-id ", \"service\": " g1-svc
    g1-id    ::= "\"light.kitchen\"" | "\"light.hall\""
    g1-svc   ::= "\"light.turn_on\"" d1? | "\"light.turn_off\"" | "\"light.toggle\""
    d1       ::= ", \"data\": {" (d1-o1 | d1-o2 ...) "}"

The stage rebuilds it only when the registry's fingerprint changes (:mod:`.home`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from hausgeist.devices.actions import offered_services
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.domains.spec import Field, Kind, Service
from hausgeist.llm_stage import gbnf

DROPPED_KEYS = frozenset(
    {
        "code",  # a PIN is the policy's business, never the model's
        "transition",
        "flash",
        "effect",
        "brightness",  # brightness_pct says the same in the unit people use
        "brightness_step",
        "hs_color",
        "xy_color",
        "color_name",  # rgb_color is what the core emits for a colour
        "due_date",
        "description",
        "rename",
        "status",
        "target_temp_high",
        "target_temp_low",
        "percentage_step",
    }
)
"""Data keys the model never writes: they add grammar and choices, not understanding."""

MOST_CALLS = 2
"""Calls one answer may hold. A small model tends to repeat its call until the limit, and
each repeat costs ~25 generated tokens; commands of three or more devices are the core's."""

TEXT_MAX = 40
"""Longest free text (a todo item) the model may write."""

_HEAD = """root ::= "{{" (calls | refuse | unknown) "}}"
calls ::= "\\"calls\\": [" call {more}"]"
refuse ::= "\\"refuse\\": " ("\\"no_such_device\\"" | "\\"not_possible\\"")
unknown ::= "\\"unknown\\": true"
call ::= "{{\\"entity_id\\": " target "}}"
"""
_NO_CALLS = """root ::= "{" (refuse | unknown) "}"
refuse ::= "\\"refuse\\": " ("\\"no_such_device\\"" | "\\"not_possible\\"")
unknown ::= "\\"unknown\\": true"
"""
"""No device can be a target (an empty home, or words that rule every device out)."""


@dataclass(frozen=True)
class DataKey:
    """One data key as the grammar offers it to one device."""

    key: str
    """Home Assistant's key."""
    value: str
    """GBNF expression of its allowed values."""
    required: bool
    """The service cannot run without it."""


@dataclass(frozen=True)
class Offer:
    """A service one device offers, with the data keys the model may give."""

    service: str
    """``<domain>.<service>``."""
    keys: tuple[DataKey, ...]
    """Allowed data keys, in the capability table's order."""
    data_needed: bool = False
    """Data must be given even though no key is required by itself: the words give a value
    or a step ("at 60 percent", "brighten"), and a call without one would be turned down."""


@dataclass(frozen=True)
class DecisionGrammar:
    """The grammar of one registry and what it was built from."""

    text: str
    """GBNF text, root rule ``root``."""
    fingerprint: str
    """:func:`registry_fingerprint` of the registry it was built from."""
    groups: int
    """Rules of devices sharing the same offers."""
    entities: int
    """Entities the model may name."""
    most_calls: int
    """Calls one answer may hold: :data:`MOST_CALLS`, or fewer when fewer devices are left
    (no device takes two calls), so the answer's end is forced sooner."""
    least_calls: int = 1
    """Calls an answer with calls must hold: more than one when the words name more devices
    than one call can act on ("the path lights and the festoon")."""


def device_offers(device: Device, attributes: Mapping[str, Any] | None = None) -> tuple[Offer, ...]:
    """What the grammar lets the model do with ``device`` (its configured attributes by default)."""
    attrs = device.initial_attributes if attributes is None else attributes
    features = device.features(attrs)
    offers: list[Offer] = []
    for service in offered_services(device, attrs):
        keys = _keys(service, attrs, features)
        if keys is not None:
            offers.append(Offer(f"{device.domain}.{service.name}", keys))
    return tuple(offers)


def build_grammar(
    registry: DeviceRegistry, focus: Mapping[str, frozenset[str]] | None = None
) -> DecisionGrammar:
    """The decision grammar of ``registry``; with ``focus``, only its devices and, for each,
    only the services it names (a refusal and "unknown" always remain)."""
    offers = narrow({d.entity_id: device_offers(d) for d in registry}, focus)
    return grammar_of(offers, registry_fingerprint(registry))


def grammar_of(
    offers: Mapping[str, tuple[Offer, ...]], fingerprint: str, least_calls: int = 1
) -> DecisionGrammar:
    """The decision grammar of devices' offers (entity id to offers, in registry order); an
    answer with calls holds at least ``least_calls`` of them (as many as it can)."""
    groups: dict[tuple[Offer, ...], list[str]] = {}
    for entity_id, entity_offers in offers.items():
        if entity_offers:
            groups.setdefault(entity_offers, []).append(entity_id)
    writer = _Writer()
    names = [writer.group(group, ids) for group, ids in groups.items()]
    count = sum(len(ids) for ids in groups.values())
    most = min(MOST_CALLS, count)
    least = max(1, min(least_calls, most))
    if names:
        more = f'(", " call){{{least - 1},{most - 1}}} ' if most > 1 else ""
        target = f"target ::= {gbnf.alternatives(names)}"
        text = _HEAD.format(more=more) + target + "\n" + "\n".join(writer.rules) + "\n"
    else:
        text = _NO_CALLS
    return DecisionGrammar(text, fingerprint, len(groups), count, most, least)


def narrow(
    offers: Mapping[str, tuple[Offer, ...]],
    focus: Mapping[str, frozenset[str]] | None,
    data_needed: bool = False,
) -> dict[str, tuple[Offer, ...]]:
    """``offers`` with only the services ``focus`` allows each device (all when ``focus`` is
    None, none for a device it leaves out); with ``data_needed``, a service that takes data
    must be given some."""
    if focus is None:
        return dict(offers)
    return {
        entity_id: tuple(
            replace(o, data_needed=True) if data_needed and o.keys else o
            for o in entity_offers
            if o.service in focus.get(entity_id, ())
        )
        for entity_id, entity_offers in offers.items()
    }


def registry_fingerprint(registry: DeviceRegistry) -> str:
    """A hash of everything in the registry that the grammar and the prompt depend on."""
    devices = [
        [
            d.entity_id,
            d.name,
            list(d.aliases),
            d.area_id,
            d.device_class,
            dict(d.initial_attributes),
        ]
        for d in sorted(registry, key=lambda d: d.entity_id)
    ]
    areas = [[a.id, a.name, list(a.aliases), a.floor_id] for a in registry.areas.values()]
    floors = [[f.id, f.name, list(f.aliases), f.level] for f in registry.floors.values()]
    blob = json.dumps([devices, areas, floors], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _keys(
    service: Service, attrs: Mapping[str, Any], features: frozenset[Any]
) -> tuple[DataKey, ...] | None:
    """The keys the model may give, or None when a required key cannot be offered."""
    keys: list[DataKey] = []
    for field in service.fields:
        usable = field.key not in DROPPED_KEYS and (
            field.feature is None or field.feature in features
        )
        value = _value(field, attrs) if usable else None
        if value is not None:
            keys.append(DataKey(field.key, value, field.required))
        elif field.required:
            return None
    return tuple(keys)


def _value(field: Field, attrs: Mapping[str, Any]) -> str | None:
    """GBNF of the values ``field`` takes on a device with ``attrs``; None: not offered."""
    if field.kind in (Kind.INT, Kind.FLOAT):
        lo, hi = _bounds(field, attrs)
        if lo is None or hi is None or lo > hi:
            return None
        if field.kind is Kind.INT:
            return gbnf.int_range(math.ceil(lo), math.floor(hi))
        return gbnf.decimal_range(lo, hi) if lo >= 0 else None
    if field.kind is Kind.BOOL:
        return '"true" | "false"'
    if field.kind is Kind.ENUM:
        listed = attrs.get(field.choices_attr) if field.choices_attr else None
        choices = [str(c) for c in listed] if isinstance(listed, list) else list(field.choices)
        return gbnf.alternatives([gbnf.json_string(c) for c in choices]) if choices else None
    if field.kind is Kind.RGB:
        byte = gbnf.int_range(0, 255)
        return f'"[" ({byte}) ", " ({byte}) ", " ({byte}) "]"'
    if field.kind in (Kind.STR, Kind.ITEMS):
        return gbnf.text(TEXT_MAX)
    return None  # PAIR: hs/xy colours are dropped


def _bounds(field: Field, attrs: Mapping[str, Any]) -> tuple[float | None, float | None]:
    lo, hi = field.minimum, field.maximum
    if field.range_attrs is not None:
        lo = _number(attrs.get(field.range_attrs[0]), lo)
        hi = _number(attrs.get(field.range_attrs[1]), hi)
    return lo, hi


def _number(value: Any, default: float | None) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return default


class _Writer:
    """Emits rules, sharing identical value and data rules between groups."""

    def __init__(self) -> None:
        self.rules: list[str] = []
        self._data: dict[tuple[DataKey, ...], str] = {}
        self._values: dict[str, str] = {}
        self._groups = 0

    def group(self, offers: tuple[Offer, ...], entity_ids: list[str]) -> str:
        self._groups += 1
        name = f"g{self._groups}"
        ids = gbnf.alternatives([gbnf.json_string(e) for e in entity_ids])
        services = [f"{gbnf.json_string(o.service)}{self._data_suffix(o)}" for o in offers]
        self.rules += [
            f'{name} ::= {name}-id ", \\"service\\": " {name}-svc',
            f"{name}-id ::= {ids}",
            f"{name}-svc ::= {gbnf.alternatives(services)}",
        ]
        return name

    def _data_suffix(self, offer: Offer) -> str:
        if not offer.keys:
            return ""
        name = self._data.get(offer.keys)
        if name is None:
            name = f"d{len(self._data) + 1}"
            self._data[offer.keys] = name
            self.rules += self._data_rules(name, offer.keys)
        required = offer.data_needed or any(k.required for k in offer.keys)
        return f" {name}" if required else f" {name}?"

    def _data_rules(self, name: str, keys: tuple[DataKey, ...]) -> list[str]:
        pairs = [f'"\\"{k.key}\\": " {self._value_rule(k.value)}' for k in keys]
        head = f'{name} ::= ", \\"data\\": {{" '
        required = [p for p, k in zip(pairs, keys, strict=True) if k.required]
        if required:  # the required keys, in order, and nothing else
            return [head + ' ", " '.join(required) + ' "}"']
        rules = []
        for i, pair in enumerate(pairs):  # one key, or two in the table's order
            later = pairs[i + 1 :]
            second = f' (", " ({gbnf.alternatives(later)}))?' if later else ""
            rules.append(f"{name}-o{i + 1} ::= {pair}{second}")
        options = gbnf.alternatives([f"{name}-o{i + 1}" for i in range(len(pairs))])
        return [f'{head}({options}) "}}"', *rules]

    def _value_rule(self, value: str) -> str:
        name = self._values.get(value)
        if name is None:
            name = f"v{len(self._values) + 1}"
            self._values[value] = name
            self.rules.append(f"{name} ::= {value}")
        return name
