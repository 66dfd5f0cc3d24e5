"""Registry look-ups: names and aliases, areas, floors, domains, classes; hidden devices."""

from __future__ import annotations

import pytest

from hausgeist.config import load_config_text
from hausgeist.devices import Device, DeviceRegistry, StateStore


def _ids(devices: list[Device]) -> set[str]:
    return {d.entity_id for d in devices}


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("Living Room Lamp", {"light.living_room_lamp"}),
        ("living room lamp", {"light.living_room_lamp"}),
        ("  LIVING ROOM LAMP ", {"light.living_room_lamp"}),
        ("big lamp", {"light.living_room_lamp"}),
        ("Floor Lamp", {"light.living_room_lamp"}),
        ("main door", {"lock.front_door"}),
        ("groceries", {"todo.shopping_list"}),
        ("lamp", set()),
        ("light.kitchen", set()),
        ("Server Rack", set()),
    ],
)
def test_named(home: DeviceRegistry, name: str, found: set[str]) -> None:
    assert _ids(home.named(name)) == found


def test_named_finds_every_device_of_a_shared_name() -> None:
    config = load_config_text(
        "devices:\n"
        "  - {id: light.a, name: Lamp}\n"
        "  - {id: light.b, name: Reading light, aliases: [lamp]}\n"
        "  - {id: switch.c, name: Kettle}\n"
    )
    assert _ids(DeviceRegistry.from_config(config).named("LAMP")) == {"light.a", "light.b"}


@pytest.mark.parametrize(
    ("name", "area"),
    [
        ("living_room", "living_room"),
        ("Living Room", "living_room"),
        ("LOUNGE", "living_room"),
        ("master bedroom", "bedroom"),
        ("garden", "garden"),
        ("attic", None),
    ],
)
def test_area_named(home: DeviceRegistry, name: str, area: str | None) -> None:
    found = home.area_named(name)
    assert (found.id if found else None) == area


@pytest.mark.parametrize(
    ("name", "floor"),
    [
        ("ground", "ground"),
        ("Ground Floor", "ground"),
        ("downstairs", "ground"),
        ("First Floor", "upstairs"),
        ("upstairs", "upstairs"),
        ("cellar", "cellar"),
        ("roof", None),
    ],
)
def test_floor_named(home: DeviceRegistry, name: str, floor: str | None) -> None:
    found = home.floor_named(name)
    assert (found.id if found else None) == floor


def test_in_area(home: DeviceRegistry) -> None:
    assert _ids(home.in_area("kitchen")) == {
        "light.kitchen",
        "switch.kettle",
        "media_player.kitchen_speaker",
    }
    assert home.in_area("nowhere") == []


def test_in_area_leaves_hidden_devices_out(home: DeviceRegistry) -> None:
    assert "switch.server_rack" not in _ids(home.in_area("garage"))
    assert _ids(home.in_area("garage")) == {
        "cover.garage_door",
        "valve.water_main",
        "water_heater.boiler",
    }


def test_on_floor(home: DeviceRegistry) -> None:
    upstairs = _ids(home.on_floor("upstairs"))
    assert upstairs == {
        "light.bedroom",
        "fan.bedroom_fan",
        "cover.bedroom_curtain",
        "climate.bedroom_ac",
        "binary_sensor.bedroom_window",
        "humidifier.bedroom",
    }
    assert home.on_floor("cellar") == []
    assert "cover.gate" not in _ids(home.on_floor("ground")), "the garden has no floor"


def test_of_domain(home: DeviceRegistry) -> None:
    assert _ids(home.of_domain("light")) == {
        "light.living_room_lamp",
        "light.kitchen",
        "light.hallway",
        "light.bedroom",
    }
    assert _ids(home.of_domain("switch")) == {"switch.kettle"}
    assert home.of_domain("camera") == []


@pytest.mark.parametrize(
    ("device_class", "found"),
    [
        ("garage", {"cover.garage_door"}),
        ("water", {"valve.water_main", "valve.garden_tap"}),
        ("tv", {"media_player.living_room_tv"}),
        ("window", {"binary_sensor.bedroom_window"}),
        ("outlet", {"switch.kettle"}),
        ("door", set()),
    ],
)
def test_of_class(home: DeviceRegistry, device_class: str, found: set[str]) -> None:
    assert _ids(home.of_class(device_class)) == found


@pytest.mark.parametrize(
    ("entity_id", "floor"),
    [
        ("light.living_room_lamp", "ground"),
        ("light.bedroom", "upstairs"),
        ("cover.gate", None),
        ("todo.shopping_list", None),
    ],
)
def test_floor_of(home: DeviceRegistry, entity_id: str, floor: str | None) -> None:
    device = home.get(entity_id)
    assert device is not None
    found = home.floor_of(device)
    assert (found.id if found else None) == floor


def test_hidden_devices_do_not_exist(home: DeviceRegistry) -> None:
    assert home.get("switch.server_rack") is None
    assert home.hidden_ids == {"switch.server_rack"}
    assert "switch.server_rack" not in _ids(list(home))
    assert home.of_domain("switch") == [home.get("switch.kettle")]


def test_size_and_order(home: DeviceRegistry) -> None:
    devices = list(home)
    assert len(home) == len(devices) == 29
    assert devices[0].entity_id == "light.living_room_lamp"
    assert devices[-1].entity_id == "humidifier.bedroom"


def test_device_fields_come_from_the_config(home: DeviceRegistry) -> None:
    lamp = home.get("light.living_room_lamp")
    assert lamp is not None
    assert (lamp.domain, lamp.object_id) == ("light", "living_room_lamp")
    assert lamp.aliases == ("Big Lamp", "floor lamp")
    assert lamp.initial_state == "on"
    assert lamp.initial_attributes["brightness"] == 128
    assert lamp.mqtt is not None
    assert lamp.mqtt.type == "zigbee2mqtt"
    assert lamp.spec.domain == "light"
    with pytest.raises(TypeError):
        lamp.initial_attributes["brightness"] = 0  # type: ignore[index]


def test_floors_and_areas(home: DeviceRegistry) -> None:
    assert list(home.floors) == ["ground", "upstairs", "cellar"]
    assert home.floors["cellar"].level == -1
    assert home.areas["living_room"].aliases == ("lounge",)
    assert home.areas["garden"].floor_id is None


def test_state_store_starts_from_the_config(home: DeviceRegistry) -> None:
    store = StateStore.from_registry(home)
    assert store.get("lock.front_door").state == "locked"
    assert store.get("sensor.living_room_temperature").attributes == {"unit_of_measurement": "°C"}
    assert store.get("light.hallway").state is None
    assert store.get("switch.server_rack").state is None, "hidden devices have no state"
