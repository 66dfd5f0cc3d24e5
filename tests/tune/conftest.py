"""Fixtures of the tuning tests: small homes written here, the real default model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hausgeist.config import Config, load_config
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.understanding import Understanding

TINY_HOME = {
    "areas": [
        {"id": "kitchen", "name": "Kitchen"},
        {"id": "den", "name": "Den", "aliases": ["snug"]},
    ],
    "devices": [
        {"id": "light.kitchen", "name": "Kitchen Light", "area": "kitchen", "state": "off",
         "attributes": {"supported_color_modes": ["brightness"]}},
        {"id": "switch.kettle", "name": "Kettle", "area": "kitchen", "state": "off"},
        {"id": "cover.den_blind", "name": "Den Blind", "area": "den", "device_class": "blind",
         "state": "open", "attributes": {"current_position": 100}},
        {"id": "lock.den_door", "name": "Den Door", "area": "den", "state": "locked"},
    ],
    "history": {"enabled": False},
}  # fmt: skip

OTHER_HOME = {
    "areas": [{"id": "studio", "name": "Studio"}, {"id": "porch", "name": "Porch"}],
    "devices": [
        {"id": "light.studio_lamp", "name": "Reading Lamp", "area": "studio", "state": "on",
         "attributes": {"supported_color_modes": ["hs"]}},
        {"id": "fan.studio_fan", "name": "Desk Fan", "area": "studio", "state": "off",
         "attributes": {"percentage": 0}},
        {"id": "light.porch", "name": "Porch Light", "area": "porch", "state": "off"},
    ],
    "history": {"enabled": False},
}  # fmt: skip


def write_home(directory: Path, home: dict[str, object], name: str = "home.yaml") -> Config:
    path = directory / name
    path.write_text(yaml.safe_dump(home), encoding="utf-8")
    return load_config(path)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("HAUSGEIST_DATA_DIR", str(root))
    return root


@pytest.fixture
def tiny_config(tmp_path: Path) -> Config:
    return write_home(tmp_path, TINY_HOME)


@pytest.fixture
def other_config(tmp_path: Path) -> Config:
    return write_home(tmp_path, OTHER_HOME, "other.yaml")


def core_of(config: Config) -> tuple[Understanding, StateStore]:
    registry = DeviceRegistry.from_config(config)
    return Understanding(registry, config.policy), StateStore.from_registry(registry)
