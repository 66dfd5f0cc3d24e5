"""Actions: Home Assistant service calls, validated against the registry's capability tables."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.domains.features import supported_features
from hausgeist.domains.spec import Feature, Kind, Service
from hausgeist.domains.spec import Field as DataField
from hausgeist.errors import InvalidServiceDataError, UnknownEntityError, UnsupportedServiceError


class ServiceCall(BaseModel):
    """One Home Assistant service call, e.g. ``light.turn_on`` of ``light.kitchen`` with data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z_]+$")]
    """``<domain>.<service>``."""
    entity_id: Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]
    """The target entity."""
    data: dict[str, Any] = Field(default_factory=dict)
    """Service data, Home Assistant keys and units."""

    @property
    def domain(self) -> str:
        """``light`` of ``light.turn_on``."""
        return self.service.split(".", 1)[0]

    @property
    def name(self) -> str:
        """``turn_on`` of ``light.turn_on``."""
        return self.service.split(".", 1)[1]

    def as_json(self) -> dict[str, Any]:
        """The contract's JSON form."""
        return {"service": self.service, "entity_id": self.entity_id, "data": dict(self.data)}

    def __str__(self) -> str:
        data = " ".join(f"{k}={v}" for k, v in self.data.items())
        return f"{self.service} {self.entity_id}" + (f" {data}" if data else "")


def _close(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def offered_services(device: Device, attributes: Mapping[str, Any] | None = None) -> list[Service]:
    """The services ``device`` offers, given its class and features."""
    features = device.features(attributes)
    return [s for s in device.spec.services.values() if _offers(s, device, features)]


def _offers(service: Service, device: Device, features: frozenset[Feature]) -> bool:
    if service.device_classes is not None and device.device_class not in service.device_classes:
        return False
    if device.device_class in service.excluded_classes:
        return False
    return service.needs is None or service.needs.met_by(features)


def validate_call(
    call: ServiceCall, registry: DeviceRegistry, attributes: Mapping[str, Any] | None = None
) -> ServiceCall:
    """Check ``call`` against the registry; return it normalised, or raise an ActionError.

    ``attributes`` are the entity's live attributes (ranges, lists of modes); the configured
    ones are used when not given."""
    device = registry.get(call.entity_id)
    if device is None:
        raise UnknownEntityError(
            f"unknown entity '{call.entity_id}'{_close(call.entity_id, list(registry.devices))}",
            entity_id=call.entity_id,
            service=call.service,
        )
    attrs = device.initial_attributes if attributes is None else attributes
    if call.domain != device.domain:
        raise UnsupportedServiceError(
            f"{call.service} cannot act on {call.entity_id}: use a {device.domain}.* service",
            entity_id=call.entity_id,
            service=call.service,
        )
    service = device.spec.services.get(call.name)
    offered = offered_services(device, attrs)
    if service is None or service not in offered:
        raise _not_offered(call, device, service, offered, attrs)
    data = _validate_data(call, service, device, attrs)
    return call.model_copy(update={"data": data})


def _not_offered(
    call: ServiceCall,
    device: Device,
    service: Service | None,
    offered: list[Service],
    attrs: Mapping[str, Any],
) -> UnsupportedServiceError:
    """Why ``device`` does not offer the call's service: the feature it reports no support
    for, or, for a name it has no service of, a close one; and what it offers instead."""
    names = [s.name for s in offered]
    what = ", ".join(f"{device.domain}.{n}" for n in names) if names else "nothing"
    if not names and not device.spec.services:
        what = "nothing: it can only be read"
    lacking = service.needs.missing(device.features(attrs)) if service and service.needs else ""
    why = f": it reports no {lacking}" if lacking else _close(call.name, names)
    return UnsupportedServiceError(
        f"{device.name} ({call.entity_id}) does not offer {call.service}{why}; it offers {what}",
        entity_id=call.entity_id,
        service=call.service,
    )


def _validate_data(
    call: ServiceCall, service: Service, device: Device, attrs: Mapping[str, Any]
) -> dict[str, Any]:
    keys = [f.key for f in service.fields]
    features = device.features(attrs)
    out: dict[str, Any] = {}
    for key, value in call.data.items():
        spec = service.field(key)
        if spec is None:
            allowed = ", ".join(keys) if keys else "no data"
            raise InvalidServiceDataError(
                f"{call.service} takes no '{key}'{_close(key, keys)}; it takes {allowed}",
                entity_id=call.entity_id,
                service=call.service,
            )
        if spec.feature is not None and spec.feature not in features:
            raise InvalidServiceDataError(
                f"{device.name} ({call.entity_id}) reports no {spec.feature.words},"
                f" so '{key}' cannot be set",
                entity_id=call.entity_id,
                service=call.service,
            )
        if _unlisted(spec, attrs):
            raise InvalidServiceDataError(
                f"{device.name} ({call.entity_id}) lists no {_LISTS.get(spec.key, spec.key)},"
                f" so '{key}' cannot be set",
                entity_id=call.entity_id,
                service=call.service,
            )
        out[key] = _check_value(call, spec, value, attrs)
    for field in service.fields:
        if field.required and field.key not in out:
            raise InvalidServiceDataError(
                f"{call.service} needs '{field.key}'",
                entity_id=call.entity_id,
                service=call.service,
            )
    for group in service.exclusive:
        given = sorted(group & out.keys())
        if len(given) > 1:
            raise InvalidServiceDataError(
                f"{call.service} takes only one of {', '.join(given)}",
                entity_id=call.entity_id,
                service=call.service,
            )
    return out


_LISTS: Mapping[str, str] = {
    "preset_mode": "preset modes",
    "fan_mode": "fan modes",
    "swing_mode": "swing modes",
    "swing_horizontal_mode": "horizontal swing modes",
    "operation_mode": "operation modes",
    "mode": "modes",
    "source": "sources",
    "sound_mode": "sound modes",
    "fan_speed": "fan speeds",
    "option": "options",
    "tone": "tones",
}
"""How a refusal names the list a key's value is chosen from."""


def _unlisted(spec: DataField, attrs: Mapping[str, Any]) -> bool:
    """A value chosen from the device's own list, on a device that reports its features as
    Home Assistant does (``supported_features``) but lists nothing to choose from: Home
    Assistant refuses any value then. Without ``supported_features``, any value is trusted."""
    return (
        spec.kind is Kind.ENUM
        and spec.choices_attr is not None
        and not spec.choices
        and supported_features(attrs) is not None
        and not attrs.get(spec.choices_attr)
    )


def _bad(call: ServiceCall, message: str) -> InvalidServiceDataError:
    return InvalidServiceDataError(
        f"{call.service}: {message}", entity_id=call.entity_id, service=call.service
    )


def _check_value(call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]) -> Any:
    return _CHECKS.get(spec.kind, _check_text)(call, spec, value, attrs)


def _check_bool(call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]) -> Any:
    del attrs
    if not isinstance(value, bool):
        raise _bad(call, f"'{spec.key}' must be true or false, got {value!r}")
    return value


def _check_rgb(call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]) -> Any:
    del attrs
    if (
        not isinstance(value, list | tuple)
        or len(value) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)
    ):
        raise _bad(call, f"'{spec.key}' must be three integers 0-255, got {value!r}")
    return list(value)


def _check_pair(call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]) -> Any:
    del attrs
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(map(_is_number, value)):
        raise _bad(call, f"'{spec.key}' must be two numbers, got {value!r}")
    lo, hi = spec.minimum, spec.maximum
    if any((lo is not None and v < lo) or (hi is not None and v > hi) for v in value):
        raise _bad(call, f"'{spec.key}' values must be within {_fmt(lo)}-{_fmt(hi)}, got {value!r}")
    return list(value)


def _check_items(call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]) -> Any:
    del attrs
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return value
    raise _bad(call, f"'{spec.key}' must be a text or a list of texts")


def _check_text(call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]) -> Any:
    del attrs
    if not isinstance(value, str) or not value.strip():
        raise _bad(call, f"'{spec.key}' must be a non-empty text, got {value!r}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_number(
    call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]
) -> int | float:
    if not _is_number(value):
        raise _bad(call, f"'{spec.key}' must be a number, got {value!r}")
    lo, hi = spec.minimum, spec.maximum
    if spec.range_attrs is not None:
        lo = _attr_number(attrs, spec.range_attrs[0], lo)
        hi = _attr_number(attrs, spec.range_attrs[1], hi)
    unit = spec.unit or ""
    sep = "" if unit in {"%", ""} else " "
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise _bad(
            call,
            f"'{spec.key}' {value}{sep}{unit} is out of range {_fmt(lo)}-{_fmt(hi)}{sep}{unit}",
        )
    if spec.kind is Kind.INT:
        if float(value) != round(float(value)):
            raise _bad(call, f"'{spec.key}' must be a whole number, got {value}")
        return round(float(value))
    return int(value) if isinstance(value, int) else float(value)


def _attr_number(attrs: Mapping[str, Any], key: str, default: float | None) -> float | None:
    value = attrs.get(key)
    return float(value) if isinstance(value, int | float) and _is_number(value) else default


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_choice(call: ServiceCall, spec: DataField, value: Any, attrs: Mapping[str, Any]) -> str:
    listed = attrs.get(spec.choices_attr) if spec.choices_attr else None
    choices = [str(c) for c in listed] if isinstance(listed, list) else list(spec.choices)
    if not isinstance(value, str):
        raise _bad(call, f"'{spec.key}' must be one of {', '.join(choices)}, got {value!r}")
    if choices and value not in choices:
        raise _bad(
            call,
            f"'{spec.key}' '{value}' is not one of {', '.join(choices)}{_close(value, choices)}",
        )
    return value


_CHECKS: dict[Kind, Callable[[ServiceCall, DataField, Any, Mapping[str, Any]], Any]] = {
    Kind.INT: _check_number,
    Kind.FLOAT: _check_number,
    Kind.BOOL: _check_bool,
    Kind.RGB: _check_rgb,
    Kind.PAIR: _check_pair,
    Kind.ENUM: _check_choice,
    Kind.ITEMS: _check_items,
}
"""How a value of each kind is checked (any other kind: a non-empty text)."""
