"""Capabilities read the way Home Assistant reports them: ``supported_features`` decides what a
device offers when it is reported, and a device that reports none keeps the benefit of the
doubt. Driven by ``feature_calls.yaml`` (named devices, reasons) and ``ha_features.yaml``
(Home Assistant's own flags and what its services need, written down from its source)."""

from __future__ import annotations

import functools
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist import errors
from hausgeist.config import load_config_text
from hausgeist.devices import DeviceRegistry, ServiceCall, validate_call
from hausgeist.devices.registry import Device

HERE = Path(__file__).parent
TABLE: dict[str, Any] = yaml.safe_load((HERE / "feature_calls.yaml").read_text(encoding="utf-8"))
HA: dict[str, dict[str, Any]] = yaml.safe_load(
    (HERE / "ha_features.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def feature_home() -> DeviceRegistry:
    return DeviceRegistry.from_config(load_config_text(yaml.safe_dump(TABLE["home"])))


def _case_id(case: dict[str, Any]) -> str:
    data = ",".join(f"{k}={v}" for k, v in (case.get("data") or {}).items())
    verdict = "accept" if case.get("accept") else "refuse"
    return f"{case['service']}:{case['entity']}" + (f":{data}" if data else "") + f":{verdict}"


@pytest.mark.parametrize("case", TABLE["cases"], ids=[_case_id(c) for c in TABLE["cases"]])
def test_feature_case(feature_home: DeviceRegistry, case: dict[str, Any]) -> None:
    call = ServiceCall(
        service=case["service"], entity_id=case["entity"], data=case.get("data") or {}
    )
    attributes = case.get("attributes")
    if case.get("accept"):
        assert validate_call(call, feature_home, attributes).data == (case.get("data") or {})
        return
    error_type = getattr(errors, case["error"])
    with pytest.raises(errors.ActionError) as caught:
        validate_call(call, feature_home, attributes)
    assert type(caught.value) is error_type, str(caught.value)
    for part in case["refuse"]:
        assert part in str(caught.value)


def test_every_case_names_a_device_of_the_home(feature_home: DeviceRegistry) -> None:
    assert {c["entity"] for c in TABLE["cases"]} <= set(feature_home.devices)


# --- Home Assistant's own table, as a property -------------------------------------------


def _probe(domain: str, attributes: dict[str, Any] | None = None) -> DeviceRegistry:
    attrs = dict(HA[domain].get("attributes") or {}) if attributes is None else attributes
    probe = Device(f"{domain}.probe", "Probe", initial_attributes=MappingProxyType(attrs))
    return DeviceRegistry([], [], [probe])


def _needed(needs: list[str], flags: set[str]) -> bool:
    """Home Assistant's rule: any one alternative will do; "A|B" needs both."""
    if not needs:
        return True
    return any(set(option.split("|")) <= flags for option in needs)


def _accepts(registry: DeviceRegistry, domain: str, call: dict[str, Any], bits: int) -> bool:
    attributes = {**(HA[domain].get("attributes") or {}), "supported_features": bits}
    service = ServiceCall(
        service=f"{domain}.{call['service']}",
        entity_id=f"{domain}.probe",
        data=call.get("data") or {},
    )
    try:
        validate_call(service, registry, attributes)
    except errors.ActionError:
        return False
    return True


@functools.cache
def _registry(domain: str) -> DeviceRegistry:
    return _probe(domain)


@pytest.mark.parametrize("domain", sorted(HA))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_accepted_exactly_when_the_features_are_set(domain: str, data: st.DataObject) -> None:
    bits = HA[domain]["bits"]
    chosen = data.draw(st.sets(st.sampled_from(sorted(bits))), label="flags")
    call = data.draw(st.sampled_from(HA[domain]["calls"]), label="call")
    value = sum(bits[flag] for flag in chosen)
    expected = _needed(call["needs"], set(chosen))
    assert _accepts(_registry(domain), domain, call, value) is expected, (
        f"{domain}.{call['service']} {call.get('data') or {}} with {sorted(chosen)} ({value})"
    )


def _absent_params() -> list[Any]:
    return [
        pytest.param(domain, call, id=f"{domain}.{call['service']}:{call.get('data') or ''}")
        for domain, table in sorted(HA.items())
        for call in table["calls"]
    ]


@pytest.mark.parametrize(("domain", "call"), _absent_params())
def test_without_supported_features_every_call_is_accepted(
    domain: str, call: dict[str, Any]
) -> None:
    attributes = dict(HA[domain].get("attributes") or {})
    registry = _probe(domain, attributes)
    service = ServiceCall(
        service=f"{domain}.{call['service']}",
        entity_id=f"{domain}.probe",
        data=call.get("data") or {},
    )
    assert validate_call(service, registry).data == (call.get("data") or {})


@pytest.mark.parametrize("domain", sorted(HA))
def test_the_bits_are_home_assistants(domain: str) -> None:
    """Each flag is one bit, and no two flags of a domain share one."""
    values = list(HA[domain]["bits"].values())
    assert all(v > 0 and v & (v - 1) == 0 for v in values)
    assert len(set(values)) == len(values)
