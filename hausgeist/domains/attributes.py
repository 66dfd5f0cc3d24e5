"""The entity attributes the agent reads, and the shape each must have to be read.

State comes from the configuration, from ``ask``'s JSON lines and ``--state`` file, and from
devices over MQTT; any of them can hold ``{"humidity": [41]}``, ``None`` or ``1e400``. The
configuration and ``ask`` refuse such a value with :func:`attribute_problem`; the state store
drops it (:func:`readable_attributes`), so what the core reads is always what it expects.
Attributes not named here are kept as they are: nothing reads them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

LARGEST = 1e9
"""No attribute read here comes near this; a larger number is a broken report (and would
overflow the arithmetic done on it)."""


class Shape(StrEnum):
    """What an attribute holds, as a person reads it in an error."""

    NUMBER = "a number"
    TEXT = "a text"
    FLAG = "true or false"
    TEXTS = "a list of texts"
    RGB = "a list of three numbers 0-255"
    ITEMS = "a list of texts or {summary: text, status: text} objects"


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) <= LARGEST  # False for nan and inf; exact for integers of any size
    )


def _item(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("summary"), str)
        and isinstance(value.get("status", ""), str)
    )


_FITS: Mapping[Shape, Callable[[Any], bool]] = {
    Shape.NUMBER: _number,
    Shape.TEXT: lambda v: isinstance(v, str),
    Shape.FLAG: lambda v: isinstance(v, bool),
    Shape.TEXTS: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    Shape.RGB: lambda v: (
        isinstance(v, list | tuple) and len(v) == 3 and all(_number(x) and 0 <= x <= 255 for x in v)
    ),
    Shape.ITEMS: lambda v: isinstance(v, list) and all(_item(x) for x in v),
}


def _shapes(shape: Shape, names: str) -> dict[str, Shape]:
    return dict.fromkeys(names.split(), shape)


SHAPES: Mapping[str, Shape] = MappingProxyType(
    {
        **_shapes(
            Shape.NUMBER,
            "battery_level brightness color_temp_kelvin current_humidity current_position "
            "current_temperature current_tilt_position humidity percentage percentage_step "
            "temperature volume_level volume_step min_temp max_temp min_humidity max_humidity "
            "min_color_temp_kelvin max_color_temp_kelvin",
        ),
        **_shapes(
            Shape.TEXT,
            "color_mode fan_speed media_title mode operation_mode preset_mode source "
            "unit_of_measurement",
        ),
        **_shapes(Shape.FLAG, "code_arm_required is_volume_muted oscillating"),
        **_shapes(
            Shape.TEXTS,
            "available_modes fan_modes fan_speed_list hvac_modes operation_list preset_modes "
            "source_list supported_color_modes",
        ),
        "rgb_color": Shape.RGB,
        "items": Shape.ITEMS,
    }
)
"""Every attribute the agent reads (Home Assistant's names and units), with its shape."""


def attribute_problem(name: str, value: Any) -> str | None:
    """What is wrong with ``value`` as the attribute ``name``; None when it can be read.

    ``None`` is always readable: it says the value is not known."""
    shape = SHAPES.get(name)
    if shape is None or value is None or _FITS[shape](value):
        return None
    return f"must be {shape.value}, got {_short(value)}"


def readable_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """``attributes`` without the values that :func:`attribute_problem` refuses."""
    return {k: v for k, v in attributes.items() if attribute_problem(k, v) is None}


def state_problem(value: Any) -> str | None:
    """What is wrong with ``value`` as an entity's state (text, a number or true/false)."""
    if value is None or isinstance(value, str | bool) or _number(value):
        return None
    if isinstance(value, int | float):
        return f"must be a number of at most {LARGEST:g}, got {_short(value)}"
    return f"must be a text, a number or true/false, got {_short(value)}"


def readable_state(state: str | None) -> str | None:
    """A state text, or None (unknown) for one that claims to be a number and is not one
    (``nan``, ``inf``, ``1e400``, as broken sensors report)."""
    if state is None:
        return None
    try:
        number = float(state)
    except ValueError:
        return state
    return state if math.isfinite(number) else None


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to write out
        return "a number too large to write"
    return text if len(text) <= 40 else text[:37] + "..."
