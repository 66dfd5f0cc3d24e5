"""The device registry, the capability tables and validated service calls."""

from hausgeist.devices.actions import ServiceCall, offered_services, validate_call
from hausgeist.devices.registry import Area, Device, DeviceRegistry, Floor
from hausgeist.devices.state import EntityState, StateStore
from hausgeist.domains.capabilities import DOMAINS, domain_spec

__all__ = [
    "DOMAINS",
    "Area",
    "Device",
    "DeviceRegistry",
    "EntityState",
    "Floor",
    "ServiceCall",
    "StateStore",
    "domain_spec",
    "offered_services",
    "validate_call",
]
