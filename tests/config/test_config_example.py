"""The example configuration loads, covers every domain and shows every key of the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from hausgeist.config import Config, load_config
from hausgeist.config import models as config_models
from hausgeist.devices import DOMAINS, DeviceRegistry
from hausgeist.devices.table import format_summary
from hausgeist.paths import example_config

EXAMPLE = Path(__file__).parents[2] / "config.example.yaml"
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


def test_the_embedded_example_is_the_one_beside_the_readme() -> None:
    """`hausgeist` without --config runs on the packaged copy; the README shows this one."""
    assert example_config().read_bytes() == EXAMPLE.read_bytes(), (
        "config.example.yaml and hausgeist/data/config.example.yaml differ: edit one, copy it"
        " over the other"
    )


@pytest.fixture(scope="module")
def example() -> Config:
    return load_config(EXAMPLE, {})


@pytest.fixture(scope="module")
def registry(example: Config) -> DeviceRegistry:
    return DeviceRegistry.from_config(example)


def test_summary_counts(example: Config) -> None:
    assert format_summary(example) == (
        "OK: 29 devices in 8 areas on 2 floors (1 hidden); domains: light 5, switch 1, "
        "input_boolean 1, fan 1, cover 3, valve 1, climate 1, lock 2, media_player 2, "
        "vacuum 1, scene 2, script 1, sensor 2, binary_sensor 2, todo 1, "
        "alarm_control_panel 1, water_heater 1, humidifier 1; mqtt: embedded broker"
    )


def test_every_contract_domain_is_there(registry: DeviceRegistry) -> None:
    assert set(CONTRACT_DOMAINS) <= set(DOMAINS)
    assert {d.domain for d in registry} == set(CONTRACT_DOMAINS)


def test_two_floors_eight_areas_all_placed(example: Config, registry: DeviceRegistry) -> None:
    assert [(f.id, f.level) for f in example.floors] == [("ground", 0), ("upstairs", 1)]
    assert len(example.areas) == 8
    assert all(area.floor in {"ground", "upstairs"} for area in example.areas)
    assert (len(registry.on_floor("ground")), len(registry.on_floor("upstairs"))) == (19, 7)


def test_every_mqtt_type_is_shown_and_zigbee2mqtt_is_most(example: Config) -> None:
    types = [d.mqtt.type for d in example.devices if d.mqtt is not None]
    assert set(types) == {"zigbee2mqtt", "tasmota", "homeassistant", "generic"}
    assert types.count("zigbee2mqtt") > len(example.devices) // 2
    assert any(d.mqtt is None for d in example.devices), "a virtual device"
    for device in example.devices:
        if device.mqtt is not None and device.mqtt.type == "zigbee2mqtt":
            assert device.mqtt.topic.startswith("zigbee2mqtt/")


def test_runs_on_the_embedded_broker(example: Config) -> None:
    assert example.mqtt is None


def _config_models() -> list[type[BaseModel]]:
    candidates = [getattr(config_models, name) for name in dir(config_models)]
    return [
        c
        for c in candidates
        if isinstance(c, type)
        and issubclass(c, BaseModel)
        and c.__module__ == config_models.__name__
    ]


@pytest.mark.parametrize(
    ("model", "key"),
    sorted(
        (
            (model.__name__, field.alias or name)
            for model in _config_models()
            for name, field in model.model_fields.items()
        ),
    ),
)
def test_every_key_is_shown(model: str, key: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert f"{key}:" in text, f"{model}.{key} is not shown in {EXAMPLE.name}"


def test_devices_show_every_per_device_key(example: Config) -> None:
    given = set().union(*(d.model_fields_set for d in example.devices))
    assert given == set(config_models.DeviceConfig.model_fields)


def test_the_commented_broker_section_is_valid(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# mqtt:")
    block = []
    for line in lines[start:]:
        if not line.startswith("# "):
            break
        block.append(line[2:])
    text = "\n".join(lines[:start] + block + lines[start + len(block) :]) + "\n"
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "secrets.yaml").write_text("mqtt_password: hunter2\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml", {})
    assert config.mqtt is not None
    assert config.mqtt.password == "hunter2"
    assert config.mqtt.tls is not None
    assert format_summary(config).endswith(
        "; mqtt: broker 192.168.1.10:1883 with TLS, base topic 'hausgeist'"
    )


def test_hidden_device_is_not_in_the_registry(registry: DeviceRegistry) -> None:
    assert registry.hidden_ids == {"switch.server_rack"}
    assert registry.get("switch.server_rack") is None


def test_light_capabilities_follow_the_color_modes(registry: DeviceRegistry) -> None:
    modes = {"brightness", "color", "color_temp"}  # the rest (effects...) come from the bits
    features = {
        d.entity_id: {f.value for f in d.features()} & modes for d in registry.of_domain("light")
    }
    assert features == {
        "light.living_room_lamp": {"brightness", "color", "color_temp"},
        "light.kitchen": {"brightness", "color_temp"},
        "light.hallway": set(),
        "light.kids_room_night_light": {"brightness", "color"},
        "light.office_desk_lamp": {"brightness"},
    }
