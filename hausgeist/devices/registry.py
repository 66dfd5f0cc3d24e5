"""The device registry: floors, areas and devices of one home, and look-ups over them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hausgeist.config.models import Config, DeviceConfig, DeviceMqtt, PolicyLevel
from hausgeist.domains.capabilities import DOMAINS
from hausgeist.domains.features import device_features
from hausgeist.domains.spec import DomainSpec, Feature


@dataclass(frozen=True)
class Floor:
    """A floor of the home."""

    id: str
    """Slug, e.g. ``upstairs``."""
    name: str
    """Display name."""
    aliases: tuple[str, ...] = ()
    """Other names people use for it."""
    level: int | None = None
    """0 ground, 1 first floor, -1 basement; None when unknown."""


@dataclass(frozen=True)
class Area:
    """A room or zone."""

    id: str
    """Slug, e.g. ``living_room``."""
    name: str
    """Display name."""
    aliases: tuple[str, ...] = ()
    """Other names, e.g. ``lounge``."""
    floor_id: str | None = None
    """The floor it is on."""


@dataclass(frozen=True)
class Device:
    """One entity: something the agent can control or read."""

    entity_id: str
    """``<domain>.<object_id>``."""
    name: str
    """Display name."""
    aliases: tuple[str, ...] = ()
    """Other names, e.g. ``big lamp``."""
    area_id: str | None = None
    """The area it is in."""
    device_class: str | None = None
    """Home Assistant device class (``garage``, ``temperature``...)."""
    initial_state: str | None = None
    """State known from the configuration."""
    initial_attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Attributes known from the configuration."""
    mqtt: DeviceMqtt | None = None
    """How to reach it; None for a virtual device."""
    policy: PolicyLevel | None = None
    """Per-device safety policy, overriding the domain's."""
    hidden: bool = False
    """Hidden devices do not exist for the agent."""

    def __hash__(self) -> int:
        return hash(self.entity_id)

    @property
    def domain(self) -> str:
        """``light`` of ``light.kitchen``."""
        return self.entity_id.split(".", 1)[0]

    @property
    def object_id(self) -> str:
        """``kitchen`` of ``light.kitchen``."""
        return self.entity_id.split(".", 1)[1]

    @property
    def spec(self) -> DomainSpec:
        """The capability table of its domain."""
        return DOMAINS[self.domain]

    def features(self, attributes: Mapping[str, Any] | None = None) -> frozenset[Feature]:
        """Optional features, from live attributes when given, else the configured ones."""
        attrs = self.initial_attributes if attributes is None else attributes
        return device_features(self.domain, self.device_class, attrs)


def _device(cfg: DeviceConfig) -> Device:
    return Device(
        entity_id=cfg.id,
        name=cfg.name,
        aliases=tuple(cfg.aliases),
        area_id=cfg.area,
        device_class=cfg.device_class,
        initial_state=cfg.state,
        initial_attributes=MappingProxyType(dict(cfg.attributes)),
        mqtt=cfg.mqtt,
        policy=cfg.policy,
        hidden=cfg.hidden,
    )


class DeviceRegistry:
    """Floors, areas and devices of one home. Hidden devices are left out of every look-up."""

    def __init__(
        self, floors: Iterable[Floor], areas: Iterable[Area], devices: Iterable[Device]
    ) -> None:
        self.floors: Mapping[str, Floor] = {f.id: f for f in floors}
        self.areas: Mapping[str, Area] = {a.id: a for a in areas}
        all_devices = list(devices)
        self.hidden_ids: frozenset[str] = frozenset(d.entity_id for d in all_devices if d.hidden)
        self.devices: Mapping[str, Device] = {d.entity_id: d for d in all_devices if not d.hidden}

    @classmethod
    def from_config(cls, config: Config) -> DeviceRegistry:
        """Build the registry of a validated configuration."""
        floors = [Floor(f.id, f.name, tuple(f.aliases), f.level) for f in config.floors]
        areas = [Area(a.id, a.name, tuple(a.aliases), a.floor) for a in config.areas]
        return cls(floors, areas, [_device(d) for d in config.devices])

    def get(self, entity_id: str) -> Device | None:
        """The visible device ``entity_id``, or None."""
        return self.devices.get(entity_id)

    def __len__(self) -> int:
        return len(self.devices)

    def __iter__(self) -> Any:
        return iter(self.devices.values())

    def in_area(self, area_id: str) -> list[Device]:
        """Devices in ``area_id``."""
        return [d for d in self.devices.values() if d.area_id == area_id]

    def on_floor(self, floor_id: str) -> list[Device]:
        """Devices in any area of ``floor_id``."""
        area_ids = {a.id for a in self.areas.values() if a.floor_id == floor_id}
        return [d for d in self.devices.values() if d.area_id in area_ids]

    def of_domain(self, domain: str) -> list[Device]:
        """Devices of ``domain``."""
        return [d for d in self.devices.values() if d.domain == domain]

    def of_class(self, device_class: str) -> list[Device]:
        """Devices of ``device_class``."""
        return [d for d in self.devices.values() if d.device_class == device_class]

    def named(self, name: str) -> list[Device]:
        """Devices whose name or an alias is ``name`` (case-insensitive)."""
        key = name.casefold().strip()
        return [
            d
            for d in self.devices.values()
            if d.name.casefold() == key or any(a.casefold() == key for a in d.aliases)
        ]

    def area_named(self, name: str) -> Area | None:
        """The area whose id, name or an alias is ``name`` (case-insensitive)."""
        key = name.casefold().strip()
        return next(
            (
                a
                for a in self.areas.values()
                if key in {a.id, a.name.casefold(), *(x.casefold() for x in a.aliases)}
            ),
            None,
        )

    def floor_named(self, name: str) -> Floor | None:
        """The floor whose id, name or an alias is ``name`` (case-insensitive)."""
        key = name.casefold().strip()
        return next(
            (
                f
                for f in self.floors.values()
                if key in {f.id, f.name.casefold(), *(x.casefold() for x in f.aliases)}
            ),
            None,
        )

    def floor_of(self, device: Device) -> Floor | None:
        """The floor a device is on, through its area."""
        area = self.areas.get(device.area_id) if device.area_id else None
        return self.floors.get(area.floor_id) if area and area.floor_id else None
