"""AdapterSet.decode for every adapter and domain, from ``cases/decode.yaml``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from adapter_helpers import load_cases, registry_of

from hausgeist.errors import PayloadError
from hausgeist.integration.adapters import AdapterSet


@pytest.mark.parametrize("case", load_cases("decode"))
def test_decode(case: dict[str, Any]) -> None:
    devices = case["device"] if isinstance(case["device"], list) else [case["device"]]
    entries = [{"name": f"Thing {i}", **d} for i, d in enumerate(devices)]
    adapters = AdapterSet.from_registry(registry_of(*entries))
    raw = case["payload"]
    payload = json.dumps(raw).encode() if isinstance(raw, dict) else str(raw).encode()
    if "error" in case:
        with pytest.raises(PayloadError, match=case["error"]):
            adapters.decode(case["topic"], payload)
        return
    got = [
        {
            "entity": u.entity_id,
            "state": u.state,
            "attributes": dict(u.attributes),
            "available": u.available,
        }
        for u in adapters.decode(case["topic"], payload)
    ]
    expected = [
        {
            "entity": u.get("entity", entries[0]["id"]),
            "state": u.get("state"),
            "attributes": u.get("attributes", {}),
            "available": u.get("available"),
        }
        for u in case["updates"]
    ]
    assert got == expected
