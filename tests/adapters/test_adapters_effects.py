"""devices.effects: every domain's services, Home Assistant semantics, from a YAML table."""

from __future__ import annotations

from typing import Any

import pytest
from adapter_helpers import call_of, load_cases, state_of

from hausgeist.devices import DOMAINS, EntityState, ServiceCall
from hausgeist.devices.effects import apply_call


@pytest.mark.parametrize("case", load_cases("effects"))
def test_effect(case: dict[str, Any]) -> None:
    call = call_of(f"{case['call'][0].split('.')[0]}.thing", case["call"])
    before = state_of(case["before"])
    state, attrs = apply_call(call, before)
    expected = state_of(case["after"])
    assert state == expected.state
    for key, value in expected.attributes.items():
        assert attrs.get(key) == value, key
    for key in case.get("absent", []):
        assert key not in attrs


def test_the_current_state_is_not_changed() -> None:
    before = EntityState("on", {"brightness": 10})
    apply_call(
        ServiceCall(service="light.turn_on", entity_id="light.a", data={"brightness": 99}), before
    )
    assert before.attributes == {"brightness": 10}


def test_every_service_of_every_domain_has_an_effect() -> None:
    """No service of the capability tables crashes the effects, even without data."""
    for domain, spec in DOMAINS.items():
        for name, service in spec.services.items():
            data = {f.key: _sample(f.kind.value) for f in service.fields if f.required}
            call = ServiceCall(service=f"{domain}.{name}", entity_id=f"{domain}.x", data=data)
            state, attrs = apply_call(call, EntityState(None, {}))
            assert state is None or isinstance(state, str)
            assert isinstance(attrs, dict)


def _sample(kind: str) -> Any:
    return {"int": 50, "float": 21.0, "bool": True, "enum": "auto", "items": "milk"}.get(
        kind, "milk"
    )
