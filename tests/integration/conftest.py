"""Fixtures for the MQTT tests: a real Mosquitto of our own (never the system one on 1883)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from mosquitto_process import MOSQUITTO, Mosquitto


def _require_mosquitto() -> None:
    if not MOSQUITTO.exists() and shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed")


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """One broker for the tests that do not hurt it."""
    _require_mosquitto()
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.close()


@pytest.fixture
def own_mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A broker of the test's own, to kill and restart."""
    _require_mosquitto()
    broker = Mosquitto(tmp_path / "mosquitto")
    broker.start()
    yield broker
    broker.close()
