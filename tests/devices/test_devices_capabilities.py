"""The capability tables, driven by ``service_calls.yaml``: what Home Assistant accepts is
accepted, what it refuses is refused with the right error and a message naming the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from hausgeist import errors
from hausgeist.devices import DOMAINS, DeviceRegistry, ServiceCall, offered_services, validate_call

CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (Path(__file__).parent / "service_calls.yaml").read_text(encoding="utf-8")
)
ACCEPT = CASES["accept"]
REJECT = CASES["reject"]
CONTRACT_DOMAINS = (
    "light",
    "switch",
    "fan",
    "cover",
    "climate",
    "lock",
    "media_player",
    "vacuum",
    "valve",
    "scene",
    "script",
    "sensor",
    "binary_sensor",
    "todo",
    "input_boolean",
    "alarm_control_panel",
    "water_heater",
    "humidifier",
)
READ_ONLY = {"sensor", "binary_sensor"}


def _call(case: dict[str, Any]) -> ServiceCall:
    return ServiceCall(
        service=case["service"], entity_id=case["entity_id"], data=case.get("data") or {}
    )


def _accept_id(case: dict[str, Any]) -> str:
    data = ",".join(f"{k}={v}" for k, v in (case.get("data") or {}).items())
    return f"{case['service']}:{case['entity_id']}" + (f":{data}" if data else "")


@pytest.mark.parametrize("case", ACCEPT, ids=[_accept_id(c) for c in ACCEPT])
def test_accepted(home: DeviceRegistry, case: dict[str, Any]) -> None:
    call = _call(case)
    result = validate_call(call, home, case.get("attributes"))
    assert result.service == call.service
    assert result.entity_id == call.entity_id
    expected = case.get("result", case.get("data") or {})
    assert result.data == expected
    assert [type(v) for v in result.data.values()] == [type(v) for v in expected.values()]


@pytest.mark.parametrize("case", REJECT, ids=[c["name"] for c in REJECT])
def test_rejected(home: DeviceRegistry, case: dict[str, Any]) -> None:
    error_type = getattr(errors, case["error"])
    call = _call(case["call"])
    with pytest.raises(error_type) as caught:
        validate_call(call, home, case.get("attributes"))
    assert type(caught.value) is error_type
    for part in case["message"]:
        assert part in str(caught.value)
    assert caught.value.entity_id == call.entity_id
    assert caught.value.service == call.service


def test_every_rejection_is_an_action_error() -> None:
    kinds = {case["error"] for case in REJECT}
    assert kinds == {"InvalidServiceDataError", "UnsupportedServiceError", "UnknownEntityError"}
    assert all(issubclass(getattr(errors, k), errors.ActionError) for k in kinds)


@pytest.mark.parametrize("domain", CONTRACT_DOMAINS)
def test_every_contract_domain_is_covered(domain: str) -> None:
    assert domain in DOMAINS
    accepted = {c["service"].split(".")[0] for c in ACCEPT}
    rejected = {c["call"]["service"].split(".")[0] for c in REJECT}
    if domain in READ_ONLY:
        assert domain not in accepted
        assert domain in rejected
    else:
        assert domain in accepted


@pytest.mark.parametrize("domain", CONTRACT_DOMAINS)
def test_every_domain_has_a_device_in_the_home(home: DeviceRegistry, domain: str) -> None:
    assert home.of_domain(domain)


CONTRACT_SERVICES = {
    "light": ("turn_on", "turn_off", "toggle"),
    "switch": ("turn_on", "turn_off", "toggle"),
    "fan": ("set_percentage", "toggle"),
    "cover": ("open_cover", "close_cover", "stop_cover", "set_cover_position", "toggle"),
    "valve": ("open_valve", "close_valve", "set_valve_position"),
    "climate": ("set_temperature", "set_hvac_mode"),
    "lock": ("lock", "unlock"),
    "media_player": (
        "media_play",
        "media_pause",
        "media_stop",
        "media_next_track",
        "media_previous_track",
        "volume_set",
        "volume_mute",
    ),
    "vacuum": ("start", "stop", "pause", "return_to_base"),
    "scene": ("turn_on",),
    "script": ("turn_on",),
    "todo": ("add_item",),
    "alarm_control_panel": ("alarm_arm_home", "alarm_arm_away", "alarm_disarm"),
}


@pytest.mark.parametrize(
    ("domain", "service"),
    [(domain, service) for domain, services in CONTRACT_SERVICES.items() for service in services],
)
def test_contract_service_exists(domain: str, service: str) -> None:
    assert service in DOMAINS[domain].services


# --- offered services ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity_id", "offered", "not_offered"),
    [
        ("cover.garage_door", {"open_cover", "close_cover", "stop_cover"}, {"set_cover_position"}),
        ("cover.gate", {"set_cover_position"}, {"set_cover_tilt_position"}),
        ("cover.living_room_blinds", {"set_cover_position", "set_cover_tilt_position"}, set()),
        ("valve.water_main", {"open_valve", "close_valve"}, {"set_valve_position"}),
        ("valve.garden_tap", {"set_valve_position"}, set()),
        ("sensor.living_room_temperature", set(), {"turn_on", "turn_off", "toggle"}),
        ("binary_sensor.bedroom_window", set(), {"turn_on", "turn_off", "toggle"}),
    ],
)
def test_offered_services(
    home: DeviceRegistry, entity_id: str, offered: set[str], not_offered: set[str]
) -> None:
    device = home.get(entity_id)
    assert device is not None
    names = {s.name for s in offered_services(device)}
    assert offered <= names
    assert not names & not_offered


def test_live_attributes_switch_a_feature_on(home: DeviceRegistry) -> None:
    device = home.get("cover.garage_door")
    assert device is not None
    names = {s.name for s in offered_services(device, {"current_position": 30})}
    assert "set_cover_position" in names


def test_refusal_lists_the_offered_services(home: DeviceRegistry) -> None:
    call = ServiceCall(
        service="cover.set_cover_position", entity_id="cover.garage_door", data={"position": 5}
    )
    with pytest.raises(errors.UnsupportedServiceError) as caught:
        validate_call(call, home)
    message = str(caught.value)
    assert "{device.domain}" not in message
    assert "it offers cover.open_cover, cover.close_cover, cover.stop_cover" in message


# --- the ServiceCall value -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "entity_id"),
    [
        ("turn_on", "light.kitchen"),
        ("Light.turn_on", "light.kitchen"),
        ("light.turn_on", "kitchen"),
        ("light.turn_on", "light.Kitchen"),
    ],
)
def test_service_call_form_is_checked(service: str, entity_id: str) -> None:
    with pytest.raises(ValidationError):
        ServiceCall(service=service, entity_id=entity_id)


def test_service_call_json_and_text() -> None:
    call = ServiceCall(
        service="light.turn_on", entity_id="light.kitchen", data={"brightness_pct": 40}
    )
    assert call.as_json() == {
        "service": "light.turn_on",
        "entity_id": "light.kitchen",
        "data": {"brightness_pct": 40},
    }
    assert str(call) == "light.turn_on light.kitchen brightness_pct=40"
    assert (call.domain, call.name) == ("light", "turn_on")
    assert ServiceCall.model_validate(call.as_json()) == call


def test_service_call_rejects_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        ServiceCall.model_validate(
            {"service": "light.turn_on", "entity_id": "light.kitchen", "target": {}}
        )


def test_validation_returns_a_copy(home: DeviceRegistry) -> None:
    call = ServiceCall(
        service="light.turn_on", entity_id="light.kitchen", data={"brightness_pct": 40.0}
    )
    result = validate_call(call, home)
    assert result.data == {"brightness_pct": 40}
    assert call.data == {"brightness_pct": 40.0}


def test_xy_color_outside_0_to_1_is_refused(home: DeviceRegistry) -> None:
    call = ServiceCall(
        service="light.turn_on", entity_id="light.living_room_lamp", data={"xy_color": [5, 5]}
    )
    with pytest.raises(errors.InvalidServiceDataError, match="xy_color"):
        validate_call(call, home)
