"""What was learned, in words and as JSON (``hausgeist learned``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hausgeist.devices.registry import DeviceRegistry
from hausgeist.learning.knowledge import Knowledge


def describe(knowledge: Knowledge, registry: DeviceRegistry, now: datetime) -> list[dict[str, Any]]:
    """Every learned item with its evidence, how sure, whether it is used, when it last was."""
    settings = knowledge.settings
    items: list[dict[str, Any]] = []
    for p in knowledge.phrases.values():
        device = registry.get(p.entity_id)
        items.append(
            {
                "id": p.item_id,
                "kind": "phrase",
                "phrase": p.phrase,
                "entity_id": p.entity_id,
                "device": device.name if device else None,
                "area": p.area,
                "learned_from": sorted(p.sources),
                "origin": p.origin,
                "evidence": p.evidence,
                "weight": round(p.weight, 2),
                "confidence": round(p.confidence(now, settings), 3),
                "active": p.active(now, settings),
                "uses": p.uses,
                "last_used": p.last_used.isoformat() if p.last_used else None,
            }
        )
    for h in knowledge.habits.values():
        device = registry.get(h.entity_id)
        value = h.value(now, settings)
        items.append(
            {
                "id": h.item_id,
                "kind": "habit",
                "entity_id": h.entity_id,
                "device": device.name if device else None,
                "attribute": h.attribute,
                "when": h.period,
                "value": value,
                "evidence": h.evidence,
                "observations": [o.value for o in h.observations],
                "active": value is not None,
                "uses": h.uses,
                "last_used": h.last_used.isoformat() if h.last_used else None,
            }
        )
    items.extend(
        {
            "id": m.item_id,
            "kind": "example",
            "text": m.text,
            "area": m.area,
            "calls": list(m.calls),
            "devices": [d.name if (d := registry.get(e)) else e for e in m.entities],
            "learned_from": [m.source],
            "idiom": m.idiom.data() if m.idiom else None,
            "evidence": m.evidence,
            "active": True,
            "uses": 0,
            "last_used": None,
            "learned": m.time.isoformat(),
        }
        for m in knowledge.meant.values()
    )
    items.extend(
        {
            "id": a.item_id,
            "kind": "idiom",
            "idiom": a.idiom.data(),
            "origin": a.origin,
            "homes": a.homes,
            "active": True,
            "uses": 0,
            "last_used": None,
            "learned": a.time.isoformat(),
        }
        for a in knowledge.adopted_idioms.values()
    )
    return items


def _idiom(idiom: dict[str, Any]) -> str:
    room = " <room>" if idiom["slot"] else ""
    where = "in the room named" if idiom["slot"] else "in the room it is said in"
    return f"'{' '.join(idiom['words'])}{room}' is {idiom['action']} {where}"


def format_learned(items: list[dict[str, Any]]) -> str:
    """A table of the items for people."""
    if not items:
        return "Nothing learned yet."
    lines = []
    for item in items:
        state = "in use" if item["active"] else "not in use"
        last = item["last_used"] or "never"
        if item["kind"] == "phrase":
            where = f" in {item['area']}" if item["area"] else ""
            what = f"'{item['phrase']}'{where} -> {item['device'] or item['entity_id']}"
            how = f"from {', '.join(item['learned_from'])}; confidence {item['confidence']:.2f}"
            if item["origin"]:
                how = f"adopted from federation aggregate {item['origin']}, below this home's own"
        elif item["kind"] == "example":
            where = f" in {item['area']}" if item["area"] else ""
            calls = ", ".join(f"{c['service']} {c['entity_id']}" for c in item["calls"])
            what = f"'{item['text']}'{where} means {calls}"
            how = f"an example for the model, from {item['learned_from'][0]}"
            if item["idiom"]:
                how = f"an idiom: {_idiom(item['idiom'])}; {how}"
            lines.append(f"{item['id']}  {what}  ({how}; learned {item['learned'][:10]})")
            continue
        elif item["kind"] == "idiom":
            what = _idiom(item["idiom"])
            how = f"adopted from federation aggregate {item['origin']}, below this home's own"
            lines.append(f"{item['id']}  {what}  ({how}; adopted {item['learned'][:10]})")
            continue
        else:
            value = item["value"]
            shown = "varies" if value is None else f"{value:g}"
            what = (
                f"{item['device'] or item['entity_id']} {item['attribute']} {item['when']}: {shown}"
            )
            how = f"from {len(item['observations'])} values"
        lines.append(
            f"{item['id']}  {what}  ({how}; {len(item['evidence'])} requests; {state}; "
            f"used {item['uses']}x, last {last})"
        )
    return "\n".join(lines)
