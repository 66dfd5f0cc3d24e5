"""The small home of the device tests, built from ``home.yaml`` through the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausgeist.config import Config, load_config_text
from hausgeist.devices import DeviceRegistry

HOME = Path(__file__).parent / "home.yaml"


@pytest.fixture(scope="session")
def home_config() -> Config:
    return load_config_text(HOME.read_text(encoding="utf-8"), source=str(HOME))


@pytest.fixture(scope="session")
def home(home_config: Config) -> DeviceRegistry:
    return DeviceRegistry.from_config(home_config)
