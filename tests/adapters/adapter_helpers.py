"""Helpers of the adapter tests: YAML case tables, registries, calls and states."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hausgeist.config.models import Config
from hausgeist.devices import Device, DeviceRegistry, EntityState, ServiceCall

CASES = Path(__file__).parent / "cases"


def load_cases(name: str) -> list[Any]:
    """The cases of ``cases/<name>.yaml`` as pytest params, each with its ``id``."""
    raw = yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["id"]) for case in raw]


def registry_of(*devices: dict[str, Any]) -> DeviceRegistry:
    """A registry of device entries in the config file's form."""
    return DeviceRegistry.from_config(Config.model_validate({"devices": list(devices)}))


def device_of(entry: dict[str, Any]) -> Device:
    """The one device of a config entry."""
    device = registry_of(entry).get(entry["id"])
    assert device is not None
    return device


def call_of(entity_id: str, spec: list[Any]) -> ServiceCall:
    """``[service, data]`` of a case as a call."""
    data = spec[1] if len(spec) > 1 else {}
    return ServiceCall(service=spec[0], entity_id=entity_id, data=data)


def state_of(spec: list[Any] | None) -> EntityState:
    """``[state, attributes]`` of a case as an entity state."""
    spec = spec or [None]
    return EntityState(spec[0], dict(spec[1]) if len(spec) > 1 else {})


@dataclass(frozen=True)
class Broker:
    """A running Mosquitto."""

    host: str
    port: int
