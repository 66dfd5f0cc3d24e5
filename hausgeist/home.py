"""One home as the core sees it: its registry, live state and understanding, from a configuration.

Pure and cheap to build (no file, network or model is touched), so entry points build it
first and hand its registry and state to the adapters they choose.
"""

from __future__ import annotations

from dataclasses import dataclass

from hausgeist.config.models import Config
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.understanding import Understanding


@dataclass(frozen=True)
class Home:
    """A configured home: what it holds, what state it is in, how its words are read."""

    config: Config
    """The configuration it was built from."""
    registry: DeviceRegistry
    """Floors, areas and devices."""
    states: StateStore
    """Live device state (the config's known state until devices report)."""
    understanding: Understanding
    """The deterministic core for this registry and policy."""

    @classmethod
    def from_config(cls, config: Config) -> Home:
        """The home a configuration describes."""
        registry = DeviceRegistry.from_config(config)
        return cls(
            config,
            registry,
            StateStore.from_registry(registry),
            Understanding(registry, config.policy),
        )
