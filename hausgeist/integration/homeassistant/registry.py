"""Home Assistant's registries as hausgeist's configuration (issue 16): floors, areas with
their aliases, and the entities the user exposed to assistants, with their names, aliases,
area (their own, else their device's), device class, state and attributes.

Pure: a :class:`~hausgeist.integration.homeassistant.link.Snapshot` in, the configuration
document's ``floors``/``areas``/``devices`` out. Configured devices add to it or override an
entity of the same id; entities of domains hausgeist has no description of, disabled
ones and, unless configured otherwise, those not exposed to assistants are left out. An
entity whose attributes the configuration's checks refuse is left out with a warning,
never the whole home."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from hausgeist.config.load import load_config_text
from hausgeist.domains.capabilities import domain_spec
from hausgeist.errors import ConfigError
from hausgeist.integration.homeassistant.link import Snapshot

log = logging.getLogger("hausgeist.homeassistant")


@dataclass
class Reading:
    """What was taken from Home Assistant, and what was left out and why."""

    document: dict[str, Any]
    places: dict[str, str] = field(default_factory=dict)
    """Home Assistant device ids and entity ids -> their area id (every device and entity
    with one, exposed or not): where a voice satellite stands."""
    left_out: Counter[str] = field(default_factory=Counter)
    refused: dict[str, str] = field(default_factory=dict)
    """Entity id -> why the configuration's checks refused it."""

    def summary(self) -> str:
        kept = len(self.document.get("devices", []))
        parts = [f"{kept} entities from Home Assistant"]
        parts += [f"{n} {why}" for why, n in sorted(self.left_out.items())]
        if self.refused:
            parts.append(f"{len(self.refused)} refused by the checks")
        return "; ".join(parts)


def read_home(snapshot: Snapshot, *, exposed_only: bool = True) -> Reading:
    """The ``floors``, ``areas`` and ``devices`` of the configuration, from Home Assistant."""
    reading = Reading({})
    floors = [
        _clean(
            {
                "id": f.get("floor_id"),
                "name": f.get("name"),
                "level": f.get("level"),
                "aliases": sorted(f.get("aliases") or []),
            }
        )
        for f in snapshot.floors
        if f.get("floor_id") and f.get("name")
    ]
    floor_ids = {f["id"] for f in floors}
    areas = [
        _clean(
            {
                "id": a.get("area_id"),
                "name": a.get("name"),
                "aliases": sorted(a.get("aliases") or []),
                "floor": a.get("floor_id") if a.get("floor_id") in floor_ids else None,
            }
        )
        for a in snapshot.areas
        if a.get("area_id") and a.get("name")
    ]
    area_ids = {a["id"] for a in areas}
    device_area = {d.get("id"): d.get("area_id") for d in snapshot.devices}
    entries = {e.get("entity_id"): e for e in snapshot.entities if isinstance(e, dict)}
    devices = []
    for state in snapshot.states:
        entity_id = state.get("entity_id")
        if not isinstance(entity_id, str) or "." not in entity_id:
            continue
        domain = entity_id.partition(".")[0]
        entry = entries.get(entity_id) or {}
        if domain_spec(domain) is None:
            reading.left_out["of domains hausgeist does not know"] += 1
            continue
        if entry.get("disabled_by"):
            reading.left_out["disabled"] += 1
            continue
        attributes = dict(state.get("attributes") or {})
        if exposed_only and not _exposed(snapshot, entity_id, entry, attributes):
            reading.left_out["not exposed to assistants"] += 1
            continue
        name = (
            entry.get("name")
            or attributes.get("friendly_name")
            or entry.get("original_name")
            or entity_id.partition(".")[2].replace("_", " ").title()
        )
        area = entry.get("area_id") or device_area.get(entry.get("device_id"))
        device_class = (
            entry.get("device_class")
            or entry.get("original_device_class")
            or attributes.get("device_class")
        )
        devices.append(
            _clean(
                {
                    "id": entity_id,
                    "name": str(name),
                    "aliases": sorted(str(a) for a in entry.get("aliases") or [] if a),
                    "area": area if area in area_ids else None,
                    "device_class": device_class,
                    "state": state.get("state"),
                    "attributes": {k: v for k, v in attributes.items() if k != "friendly_name"},
                }
            )
        )
    reading.document = {"floors": floors, "areas": areas, "devices": devices}
    for device_id, area in device_area.items():
        if isinstance(device_id, str) and isinstance(area, str) and area in area_ids:
            reading.places[device_id] = area
    for entity_id, entry in entries.items():
        area = entry.get("area_id") or device_area.get(entry.get("device_id"))
        if isinstance(entity_id, str) and isinstance(area, str) and area in area_ids:
            reading.places[entity_id] = area
    return reading


# Home Assistant's own defaults (homeassistant/components/homeassistant/exposed_entities.py):
# what Assist sees of an entity nobody has exposed or hidden from it.
_DEFAULT_EXPOSED_DOMAINS = frozenset(
    {
        *("climate", "cover", "fan", "humidifier", "light", "lock", "scene", "script"),
        *("switch", "todo", "vacuum", "water_heater"),
    }
)
_DEFAULT_EXPOSED_CLASSES = {
    "binary_sensor": frozenset(
        {"door", "garage_door", "lock", "motion", "opening", "presence", "window"}
    ),
    "sensor": frozenset(
        {
            "aqi",
            "co",
            "co2",
            "humidity",
            "pm10",
            "pm25",
            "temperature",
            "volatile_organic_compounds",
        }
    ),
}


def _exposed(
    snapshot: Snapshot, entity_id: str, entry: dict[str, Any], attributes: dict[str, Any]
) -> bool:
    """Whether Assist sees the entity: as the user set it, else by Home Assistant's default."""
    said = (snapshot.exposed.get(entity_id) or {}).get("conversation")
    if isinstance(said, bool):
        return said
    if not snapshot.expose_new or entry.get("entity_category") or entry.get("hidden_by"):
        return False
    domain = entity_id.partition(".")[0]
    if domain in _DEFAULT_EXPOSED_DOMAINS:
        return True
    device_class = (
        entry.get("device_class")
        or entry.get("original_device_class")
        or attributes.get("device_class")
    )
    return device_class in _DEFAULT_EXPOSED_CLASSES.get(domain, frozenset())


def merge_into(raw: dict[str, Any], reading: Reading) -> dict[str, Any]:
    """The configuration's data ``raw`` with Home Assistant's home added: its floors and
    areas where the configuration has none of the same id, its entities where no configured
    device has the same id. Entities the checks refuse are left out and said (``reading``)."""
    taken = reading.document
    own_ids = {d.get("id") for d in raw.get("devices") or [] if isinstance(d, dict)}
    document = dict(raw)
    document["floors"] = _union(raw.get("floors"), taken["floors"])
    document["areas"] = _union(raw.get("areas"), taken["areas"])
    base = {"floors": document["floors"], "areas": document["areas"]}
    kept = []
    for device in taken["devices"]:
        if device["id"] in own_ids:
            continue
        problem = _problem({**base, "devices": [device]})
        if problem is None:
            kept.append(device)
        else:
            reading.refused[device["id"]] = problem
            log.warning("%s from Home Assistant is left out: %s", device["id"], problem)
    document["devices"] = [*(raw.get("devices") or []), *kept]
    return document


def _union(own: Any, theirs: list[dict[str, Any]]) -> list[Any]:
    mine = list(own or [])
    ids = {item.get("id") for item in mine if isinstance(item, dict)}
    return [*mine, *(item for item in theirs if item["id"] not in ids)]


def _problem(document: dict[str, Any]) -> str | None:
    try:
        load_config_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    except ConfigError as exc:
        return str(exc).splitlines()[-1].strip() if str(exc) else "refused"
    except yaml.YAMLError as exc:  # an attribute YAML cannot write
        return f"cannot be written as YAML: {exc}"
    return None


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v not in (None, [], {})}
