"""Building config entries: ids and names of the contract's form, checked by the config model."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import ValidationError

from hausgeist.config.checks import ENTITY_ID
from hausgeist.config.models import DeviceConfig
from hausgeist.domains.capabilities import DOMAINS
from hausgeist.errors import PayloadError

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """``Küche Decke/Lamp 2`` → ``kuche_decke_lamp_2``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("_", ascii_text.lower()).strip("_")[:60].strip("_") or "device"


def device_class(domain: str, value: Any) -> str | None:
    """``value`` when it is one of the domain's Home Assistant device classes."""
    classes = DOMAINS[domain].device_classes
    return value if isinstance(value, str) and value in classes else None


def entry(
    entity_id: str,
    name: str,
    mqtt: dict[str, Any],
    *,
    area: str | None = None,
    device_class: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One device entry, the keys that are set only; PayloadError when it would not load."""
    if not ENTITY_ID.match(entity_id):
        raise PayloadError(f"cannot make an entity id of {entity_id!r}")
    out: dict[str, Any] = {"id": entity_id, "name": name.strip()[:100] or entity_id}
    optional = {"area": area, "device_class": device_class, "attributes": attributes}
    out |= {k: v for k, v in optional.items() if v}
    out["mqtt"] = {k: v for k, v in mqtt.items() if v is not None}
    try:
        DeviceConfig.model_validate(out)
    except ValidationError as err:
        problem = err.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise PayloadError(f"{entity_id}: cannot describe it ({where}: {problem['msg']})") from err
    return out


def unique(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries with ids made unique (``light.lamp``, ``light.lamp_2``...)."""
    seen: set[str] = set()
    for item in entries:
        base, number = item["id"], 2
        while item["id"] in seen:
            item["id"] = f"{base}_{number}"
            number += 1
        seen.add(item["id"])
    return entries
