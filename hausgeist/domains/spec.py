"""Value types of the capability tables: what a service accepts, declared, not coded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The type of one service data value."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR = "str"
    ENUM = "enum"
    RGB = "rgb"
    """Three integers 0-255."""
    PAIR = "pair"
    """Two numbers (hs_color, xy_color)."""
    ITEMS = "items"
    """A string or a list of strings (todo items)."""


class Feature(StrEnum):
    """Optional abilities a device may lack; derived from its known attributes."""

    BRIGHTNESS = "brightness"
    COLOR = "color"
    COLOR_TEMP = "color_temp"
    POSITION = "position"
    TILT = "tilt"


@dataclass(frozen=True)
class Field:
    """One data key a service accepts."""

    key: str
    """Home Assistant's name of the key, e.g. ``brightness_pct``."""
    kind: Kind
    """The value type."""
    minimum: float | None = None
    """Lowest allowed value (numbers), inclusive."""
    maximum: float | None = None
    """Highest allowed value (numbers), inclusive."""
    unit: str | None = None
    """Unit as Home Assistant writes it (``%``, ``°C``, ``K``, ``s``)."""
    choices: tuple[str, ...] = ()
    """Allowed values of an ENUM (when the device lists none of its own)."""
    required: bool = False
    """The service cannot run without it."""
    range_attrs: tuple[str, str] | None = None
    """Entity attributes that narrow the range, e.g. ``("min_temp", "max_temp")``."""
    choices_attr: str | None = None
    """Entity attribute listing the allowed ENUM values, e.g. ``hvac_modes``."""
    feature: Feature | None = None
    """The device must have this feature for the key to be accepted."""


@dataclass(frozen=True)
class Service:
    """One Home Assistant service of a domain."""

    name: str
    """Service name without the domain, e.g. ``turn_on``."""
    fields: tuple[Field, ...] = ()
    """The data keys it accepts."""
    device_classes: frozenset[str] | None = None
    """When set, only devices of these classes offer the service."""
    excluded_classes: frozenset[str] = frozenset()
    """Device classes that never offer it."""
    feature: Feature | None = None
    """The device must have this feature to offer the service."""
    exclusive: tuple[frozenset[str], ...] = ()
    """Groups of keys of which at most one may be given (as in Home Assistant)."""

    def field(self, key: str) -> Field | None:
        """The field named ``key``, if the service has one."""
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class DomainSpec:
    """Everything hausgeist knows about one Home Assistant domain."""

    domain: str
    """e.g. ``light``."""
    services: Mapping[str, Service]
    """Services by name."""
    device_classes: frozenset[str] = frozenset()
    """Device classes Home Assistant defines for the domain (empty: none)."""
    readable: bool = True
    """Has a state worth answering questions about."""
    attributes: tuple[str, ...] = field(default=())
    """Attributes worth showing and asking about."""
