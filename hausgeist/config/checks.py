"""Checks that span several keys: ids unique, references known, entity ids well formed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from hausgeist.config.yaml_source import YamlDocument, format_path
from hausgeist.domains.attributes import attribute_problem
from hausgeist.domains.capabilities import CONTRACT_DOMAINS, DOMAINS
from hausgeist.errors import ConfigProblem

DEVICE_TYPES = ("zigbee2mqtt", "tasmota", "homeassistant", "generic")
ENTITY_ID = re.compile(r"^([a-z_]+)\.([a-z0-9_]+)$")


def suggest(name: str, known: Iterable[str]) -> str | None:
    """``did you mean 'kitchen'?`` when ``name`` is close to one of ``known``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class _Checker:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[ConfigProblem] = []

    def add(self, path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        self.problems.append(
            ConfigProblem(format_path(path), message, self.doc.line_of(path), hint)
        )

    def unique(self, section: str, ids: list[str]) -> None:
        seen: dict[str, int] = {}
        for index, ident in enumerate(ids):
            if ident in seen:
                self.add(
                    (section, index, "id"),
                    f"duplicate id '{ident}' (first at {section}[{seen[ident]}])",
                    "give every entry its own id",
                )
            else:
                seen[ident] = index


def check_config(data: dict[str, Any], doc: YamlDocument) -> list[ConfigProblem]:
    """Every cross-reference problem in the raw ``data``, each with its path and line.

    Works on the raw mapping so that it also runs when some values failed validation:
    the user gets every problem of the file at once."""
    check = _Checker(doc)
    floors = _ids(check, data, "floors")
    areas = _ids(check, data, "areas")
    _ids(check, data, "devices")
    for index, area_data in _entries(data, "areas"):
        floor = area_data.get("floor")
        if isinstance(floor, str) and floor not in floors:
            check.add(
                ("areas", index, "floor"),
                f"unknown floor '{floor}'",
                suggest(floor, floors) or _define("floors", floors),
            )
    for index, device in _entries(data, "devices"):
        entity_id, area, device_class = (
            device.get("id"),
            device.get("area"),
            device.get("device_class"),
        )
        if isinstance(entity_id, str):
            _check_device(
                check,
                index,
                entity_id,
                area if isinstance(area, str) else None,
                device_class if isinstance(device_class, str) else None,
                areas,
            )
        _check_attributes(check, index, device.get("attributes"))
        _check_features(check, index, device.get("attributes"))
        mqtt = device.get("mqtt")
        kind = mqtt.get("type") if isinstance(mqtt, dict) else None
        if isinstance(mqtt, dict) and kind not in DEVICE_TYPES:
            shown = f"'{kind}'" if isinstance(kind, str) else repr(kind)
            check.add(
                ("devices", index, "mqtt", "type"),
                f"unknown device type {shown}" if kind is not None else "missing device type",
                (suggest(kind, DEVICE_TYPES) if isinstance(kind, str) else None)
                or f"type is one of {', '.join(DEVICE_TYPES)}",
            )
    voice = data.get("voice")
    satellites = voice.get("satellites") if isinstance(voice, dict) else None
    for satellite, area in satellites.items() if isinstance(satellites, dict) else []:
        if isinstance(area, str) and area not in areas:
            check.add(
                ("voice", "satellites", satellite),
                f"unknown area '{area}'",
                suggest(area, areas) or _define("areas", areas),
            )
    policy = data.get("policy")
    domains = policy.get("domains") if isinstance(policy, dict) else None
    for domain in domains if isinstance(domains, dict) else {}:
        if domain not in DOMAINS:
            check.add(
                ("policy", "domains", domain),
                f"unknown domain '{domain}'",
                suggest(str(domain), DOMAINS) or _known_domains(),
            )
    return check.problems


def _entries(data: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(section)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _ids(check: _Checker, data: dict[str, Any], section: str) -> list[str]:
    ids = [str(item.get("id")) for _, item in _entries(data, section) if item.get("id") is not None]
    check.unique(section, [str(item.get("id")) for _, item in _entries(data, section)])
    return ids


def _check_features(check: _Checker, index: int, attributes: object) -> None:
    """``supported_features`` is Home Assistant's bitmask: a whole number, 0 or more."""
    if not isinstance(attributes, dict) or "supported_features" not in attributes:
        return
    value = attributes["supported_features"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        check.add(
            ("devices", index, "attributes", "supported_features"),
            f"supported_features must be a whole number of 0 or more, got {value!r}",
            "copy it as Home Assistant reports it (Developer tools > States), e.g. 385;"
            " leave it out to let hausgeist trust the device with every feature",
        )


def _known_domains() -> str:
    others = sorted(set(DOMAINS) - CONTRACT_DOMAINS)
    return (
        f"known domains: {', '.join(sorted(CONTRACT_DOMAINS))};"
        f" and Home Assistant's others, kept for questions or plain services: {', '.join(others)}"
    )


def _define(section: str, known: list[str]) -> str:
    if not known:
        return f"define it under '{section}:' first"
    return f"known {section}: {', '.join(known)}"


def _check_attributes(check: _Checker, index: int, attributes: Any) -> None:
    """Each attribute the agent reads must have the shape Home Assistant gives it."""
    for name, value in attributes.items() if isinstance(attributes, dict) else ():
        if (problem := attribute_problem(str(name), value)) is not None:
            check.add(
                ("devices", index, "attributes", name),
                problem,
                "write it as Home Assistant reports it, or leave it out",
            )


def _check_device(
    check: _Checker,
    index: int,
    entity_id: str,
    area: str | None,
    device_class: str | None,
    areas: list[str],
) -> None:
    match = ENTITY_ID.match(entity_id)
    if match is None:
        check.add(
            ("devices", index, "id"),
            f"'{entity_id}' is not an entity id",
            "use Home Assistant's form <domain>.<object_id> in lower case, e.g. light.kitchen",
        )
        return
    domain = match.group(1)
    spec = DOMAINS.get(domain)
    if spec is None:
        check.add(
            ("devices", index, "id"),
            f"unknown domain '{domain}' in '{entity_id}'",
            suggest(domain, DOMAINS) or _known_domains(),
        )
        return
    if area is not None and area not in areas:
        check.add(
            ("devices", index, "area"),
            f"unknown area '{area}'",
            suggest(area, areas) or _define("areas", areas),
        )
    if device_class is not None and spec.device_classes and device_class not in spec.device_classes:
        check.add(
            ("devices", index, "device_class"),
            f"'{device_class}' is not a device class of {domain}",
            suggest(device_class, spec.device_classes)
            or f"{domain} classes: {', '.join(sorted(spec.device_classes))}",
        )
