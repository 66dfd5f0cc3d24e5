"""AdapterSet.encode for every adapter and domain, from ``cases/encode.yaml``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from adapter_helpers import call_of, load_cases, registry_of, state_of

from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters import AdapterSet


@pytest.mark.parametrize("case", load_cases("encode"))
def test_encode(case: dict[str, Any]) -> None:
    device = {"name": "Thing", **case["device"]}
    adapters = AdapterSet.from_registry(registry_of(device))
    call = call_of(device["id"], case["call"])
    current = state_of(case.get("before"))
    if "error" in case:
        with pytest.raises(IntegrationError, match=case["error"]):
            adapters.encode(call, current)
        return
    publishes = adapters.encode(call, current)
    got = [
        [p.topic, _payload(p.payload, expected)]
        for p, expected in zip(publishes, [e[1] for e in case["publish"]], strict=False)
    ]
    assert got == case["publish"]
    assert len(publishes) == len(case["publish"])
    assert all(p.retain is case.get("retain", False) for p in publishes)
    assert all(p.qos == 1 for p in publishes)
    assert {p.topic for p in publishes} <= adapters.allowed_topics()


def _payload(raw: bytes, expected: Any) -> Any:
    return json.loads(raw) if isinstance(expected, dict) else raw.decode()
