"""The core on homes as Home Assistant reports them: a request for a feature the device lacks is
refused with the reason, never carried out on it or on another device; a place said binds
the device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hausgeist.config import load_config_text
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Decision, Request, Status, Understanding


def _core(config: dict[str, Any]) -> tuple[Understanding, StateStore]:
    loaded = load_config_text(yaml.safe_dump(config, sort_keys=False))
    registry = DeviceRegistry.from_config(loaded)
    return Understanding(registry, loaded.policy), StateStore.from_registry(registry)


HEATING = {
    "floors": [{"id": "ground", "name": "Ground Floor"}, {"id": "first", "name": "First Floor"}],
    "areas": [
        {"id": "living_room", "name": "Living Room", "floor": "ground"},
        {"id": "kitchen", "name": "Kitchen", "floor": "ground"},
        {"id": "bathroom", "name": "Bathroom", "floor": "first"},
        {"id": "bedroom", "name": "Bedroom", "floor": "first"},
    ],
    "devices": [
        {
            "id": "climate.bathroom_heater",
            "name": "Bathroom Heater",
            "area": "bathroom",
            "state": "heat",
            # on, off and its modes: Home Assistant reports no set point
            "attributes": {"supported_features": 384, "hvac_modes": ["off", "heat"]},
        },
        {
            "id": "climate.bedroom",
            "name": "Bedroom Thermostat",
            "area": "bedroom",
            "state": "heat",
            "attributes": {"supported_features": 385, "hvac_modes": ["off", "heat"]},
        },
        {
            "id": "climate.living_room",
            "name": "Living Room Thermostat",
            "area": "living_room",
            "state": "heat",
            "attributes": {"supported_features": 385, "hvac_modes": ["off", "heat"]},
        },
    ],
}


@pytest.fixture(scope="module")
def heating() -> tuple[Understanding, StateStore]:
    return _core(HEATING)


def _decide(home: tuple[Understanding, StateStore], text: str) -> Decision:
    core, states = home
    return core.decide(Request(text), states)[0]


def _acted_on(decision: Decision) -> list[str]:
    return [c.entity_id for c in (*decision.actions, *decision.pending)]


@pytest.mark.parametrize(
    "text",
    [
        "set the heating in the bathroom to 21",
        "set the bathroom heater to 21 degrees",
        "set the bathroom to 21",
        "heating to 22 in the bathroom",
    ],
)
def test_the_rooms_heater_without_a_set_point_is_refused(
    heating: tuple[Understanding, StateStore], text: str
) -> None:
    decision = _decide(heating, text)
    assert decision.status is Status.REFUSED, decision.reply
    assert _acted_on(decision) == []
    assert "Bathroom Heater" in decision.reply
    assert "target temperature" in decision.reply


@pytest.mark.parametrize(
    ("text", "entity_id"),
    [
        ("set the heating in the bedroom to 21", "climate.bedroom"),
        ("set the living room to 22 degrees", "climate.living_room"),
    ],
)
def test_a_place_said_binds_the_device(
    heating: tuple[Understanding, StateStore], text: str, entity_id: str
) -> None:
    decision = _decide(heating, text)
    assert decision.status is Status.DONE, decision.reply
    assert _acted_on(decision) == [entity_id]


def test_what_the_heater_can_do_is_still_done(heating: tuple[Understanding, StateStore]) -> None:
    # The heater reports TURN_ON: Home Assistant's own climate.turn_on, not a guessed mode.
    decision = _decide(heating, "turn on the heating in the bathroom")
    assert decision.status is Status.DONE, decision.reply
    assert [str(c) for c in decision.actions] == ["climate.turn_on climate.bathroom_heater"]


def test_a_room_without_a_heater_uses_its_floors_only_thermostat(
    heating: tuple[Understanding, StateStore],
) -> None:
    """Today's floor rule (resolve.FLOOR_WIDE): the kitchen has no heating of its own, and the
    only thermostat of its floor is the living room's. Recorded as it is; see the report."""
    decision = _decide(heating, "set the heating in the kitchen to 21")
    assert decision.status is Status.DONE, decision.reply
    assert _acted_on(decision) == ["climate.living_room"]


# --- generated homes: the only device of a kind lacks the feature asked for --------------


@dataclass(frozen=True)
class Lacking:
    """A kind of device without one feature, and requests that need it."""

    domain: str
    names: tuple[str, ...]
    attributes: dict[str, Any]
    other_bits: tuple[int, ...]
    """Flags it may report besides: never the ones the requests need."""
    requests: tuple[str, ...]
    device_class: str | None = None


LACKING = (
    Lacking(
        "climate",
        ("Radiator", "Bathroom Heater", "Thermostat"),
        {"hvac_modes": ["off", "heat"]},
        (8, 16, 128, 256),
        ("set the {name} to 21 degrees", "set the heating in the {area} to 21"),
    ),
    Lacking(
        "fan",
        ("Fan", "Ceiling Fan", "Desk Fan"),
        {},
        (2, 4, 16, 32),
        ("set the {name} to 50%", "speed up the {name}"),
    ),
    Lacking(
        "fan",
        ("Fan", "Pedestal Fan"),
        {},
        (1, 4, 16, 32),
        ("make the {name} oscillate",),
    ),
    Lacking(
        "media_player",
        ("TV", "Speaker", "Radio"),
        {"volume_level": 0.3},
        (4, 16, 128, 256, 4096, 16384),
        ("pause the {name}",),
    ),
    Lacking(
        "media_player",
        ("TV", "Speaker"),
        {"volume_level": 0.3},
        (1, 4, 16, 128, 256, 4096, 16384),
        ("next track on the {name}",),
    ),
    Lacking(
        "media_player",
        ("TV", "Radio"),
        {"volume_level": 0.3},
        (1, 8, 16, 32, 4096, 16384),
        ("turn up the volume on the {name}", "set the {name} volume to 30%"),
    ),
    Lacking(
        "cover",
        ("Blind", "Shutter"),
        {"current_position": 100},
        (1, 2, 8),
        ("set the {name} to 40%",),
        device_class="blind",
    ),
    Lacking(
        "vacuum",
        ("Robot Vacuum", "Vacuum"),
        {},
        (4, 8, 16, 64, 4096),
        ("start the {name}",),
    ),
    Lacking(
        "vacuum",
        ("Robot Vacuum", "Vacuum"),
        {},
        (4, 8, 64, 4096, 8192),
        ("send the {name} home",),
    ),
    Lacking(
        "water_heater",
        ("Boiler", "Water Heater"),
        {"operation_list": ["eco", "electric"]},
        (2, 8),
        ("set the {name} to 50 degrees",),
    ),
    Lacking(
        "humidifier",
        ("Humidifier",),
        {"available_modes": ["normal", "sleep"]},
        (),
        ("set the {name} to sleep mode",),
        device_class="humidifier",
    ),
)
AREAS = ("Bathroom", "Study", "Guest Room", "Office", "Kitchen")
OTHERS = (
    {"id": "light.ceiling", "name": "Ceiling Light"},
    {"id": "switch.kettle", "name": "Kettle", "device_class": "outlet"},
    {"id": "lock.front_door", "name": "Front Door"},
    {"id": "sensor.temperature", "name": "Temperature", "device_class": "temperature"},
)


@st.composite
def homes(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    kind = draw(st.sampled_from(LACKING))
    name = draw(st.sampled_from(kind.names))
    area = draw(st.sampled_from(AREAS))
    bits = sum(draw(st.sets(st.sampled_from(kind.other_bits)))) if kind.other_bits else 0
    area_id = area.lower().replace(" ", "_")
    device: dict[str, Any] = {
        "id": f"{kind.domain}.{name.lower().replace(' ', '_')}",
        "name": name,
        "area": area_id,
        "attributes": {**kind.attributes, "supported_features": bits},
    }
    if kind.device_class is not None:
        device["device_class"] = kind.device_class
    others = draw(st.lists(st.sampled_from(OTHERS), unique_by=lambda d: d["id"], max_size=4))
    placed = [{**other, "area": area_id} for other in others]
    config = {"areas": [{"id": area_id, "name": area}], "devices": [device, *placed]}
    text = draw(st.sampled_from(kind.requests)).format(name=name.lower(), area=area.lower())
    return config, text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(homes())
def test_no_request_for_a_missing_feature_is_carried_out(home: tuple[dict[str, Any], str]) -> None:
    config, text = home
    decision = _decide(_core(config), text)
    assert _acted_on(decision) == [], f"{text!r}: {decision.reply}"
    assert decision.status is Status.REFUSED, f"{text!r}: {decision.reply}"


def test_a_player_that_only_steps_its_volume_is_turned_up_by_steps() -> None:
    home = _core(
        {
            "devices": [
                {
                    "id": "media_player.radio",
                    "name": "Radio",
                    "state": "playing",
                    # play, stop and volume steps; no volume level to set
                    "attributes": {"supported_features": 21504, "volume_level": 0.4},
                }
            ]
        }
    )
    up = _decide(home, "turn up the radio")
    assert [str(c) for c in up.actions] == ["media_player.volume_up media_player.radio"]
    level = _decide(home, "set the radio volume to 30%")
    assert level.status is Status.REFUSED, level.reply
    assert "reports no volume level" in level.reply
