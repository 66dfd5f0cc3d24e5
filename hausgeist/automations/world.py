"""What the engine runs against: the home's registry and states, the templates, the sun, the
clock it is given, and when each entity last changed. Pure: time comes from outside."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from hausgeist.automations.sun import Sun
from hausgeist.automations.templates import Templates
from hausgeist.config.models import LocationConfig, PolicyConfig
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore


@dataclass
class World:
    """A home as the automations see it."""

    registry: DeviceRegistry
    states: StateStore
    location: LocationConfig
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    open_home: bool = False
    """No configuration: any entity a rule or an event names exists (replay without a home);
    calls are checked against their domain's services, not against a device's features."""
    now: datetime = field(default_factory=lambda: datetime.fromtimestamp(0).astimezone())
    changed: dict[str, datetime] = field(default_factory=dict)
    """When each entity's state last changed."""
    apply_effects: bool = True
    """Lay each service call's effect over the states (replays); live, devices report it."""
    shown_in: tzinfo | None = None
    """The zone times are written in (the configured one; else the events' own offset)."""

    def __post_init__(self) -> None:
        self.zone = self.location.zone
        self.sun = Sun(self.location)
        self.templates = Templates(self.states, self.entity_ids(), self.local_now)

    def local_now(self) -> datetime:
        return self.now.astimezone(self.zone)

    @property
    def zone_configured(self) -> bool:
        return "time_zone" in self.location.model_fields_set

    def shown_now(self) -> datetime:
        """Now, in the zone times are written in."""
        return self.now.astimezone(self.shown_in or self.zone)

    def entity_ids(self) -> list[str]:
        return sorted(d.entity_id for d in self.registry)

    def know(self, entity_id: str) -> None:
        """In an open home, make ``entity_id`` a device the first time it is named."""
        if not self.open_home or self.registry.get(entity_id) is not None or "." not in entity_id:
            return
        devices = [*self.registry, Device(entity_id, entity_id.partition(".")[2].replace("_", " "))]
        self.registry = DeviceRegistry(
            self.registry.floors.values(), self.registry.areas.values(), devices
        )
        self.templates = Templates(self.states, self.entity_ids(), self.local_now)


Clock = Callable[[], datetime]
