"""Colour and scale conversions between Home Assistant units and device units."""

from __future__ import annotations

import colorsys
import re
from typing import Any

from hausgeist.integration.adapters.payload import number

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})([0-9a-fA-F]{2,4})?$")


def scale(value: float, source_max: float, target_max: float) -> int:
    """``value`` of 0..source_max as 0..target_max, rounded and clamped."""
    return max(0, min(round(target_max), round(value * target_max / source_max)))


_MIREDS = (25, 1000)
"""Colour temperatures of real lamps: 1,000 K to 40,000 K."""


def kelvin_to_mired(kelvin: float) -> int:
    """Colour temperature in mireds (Zigbee, Tasmota ``CT``)."""
    return max(_MIREDS[0], min(_MIREDS[1], round(1_000_000 / max(kelvin, 1))))


def mired_to_kelvin(mired: float) -> int:
    """Colour temperature in kelvin (Home Assistant); device values clamped to real lamps'."""
    return round(1_000_000 / max(_MIREDS[0], min(_MIREDS[1], mired)))


def rgb_of(value: Any) -> list[int] | None:
    """``[r, g, b]`` from a dict ``{r,g,b}``/``{x,y}``/``{hue,saturation}``/``{rgb}``/``{hex}``,
    ``"r,g,b"`` or hex text."""
    if isinstance(value, dict):
        text = value.get("rgb", value.get("hex"))
        if isinstance(text, str):
            return _rgb_of_text(text.strip())
        channels = [number(value.get(k)) for k in ("r", "g", "b")]
        if all(c is not None for c in channels):
            return [max(0, min(255, round(c or 0))) for c in channels]
        x, y = number(value.get("x")), number(value.get("y"))
        if x is not None and y is not None:
            return xy_to_rgb(x, y)
        hue, sat = (
            number(value.get("hue", value.get("h"))),
            number(value.get("saturation", value.get("s"))),
        )
        if hue is not None and sat is not None:
            return hs_to_rgb(hue, sat)
        return None
    if isinstance(value, str):
        return _rgb_of_text(value.strip())
    return None


def _rgb_of_text(raw: str) -> list[int] | None:
    match = _HEX.match(raw)
    if match:
        digits = match.group(1)
        return [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
    parts = [number(p) for p in raw.split(",")]
    if len(parts) in {3, 4, 5} and all(p is not None and 0 <= p <= 255 for p in parts):
        return [round(p or 0) for p in parts[:3]]
    return None


def hs_to_rgb(hue: float, saturation: float) -> list[int]:
    """Hue 0-360 and saturation 0-100 at full brightness."""
    red, green, blue = colorsys.hsv_to_rgb((hue % 360) / 360, max(0, min(saturation, 100)) / 100, 1)
    return [round(red * 255), round(green * 255), round(blue * 255)]


def xy_to_rgb(x: float, y: float) -> list[int]:
    """CIE 1931 xy at full brightness (the conversion Home Assistant and Hue use, wide gamut)."""
    if not (1e-3 <= y <= 1 and 0 <= x <= 1):  # outside any gamut: white rather than nonsense
        return [255, 255, 255]
    z = 1.0 - x - y
    big_x, big_z = x / y, z / y
    red = big_x * 1.656492 - 0.354851 - big_z * 0.255038
    green = -big_x * 0.707196 + 1.655397 + big_z * 0.036152
    blue = big_x * 0.051713 - 0.121364 + big_z * 1.011530
    gamma = [_gamma(c) for c in (red, green, blue)]
    top = max(*gamma, 1e-9)
    return [min(255, max(0, round(c / top * 255 if top > 1 else c * 255))) for c in gamma]


def _gamma(channel: float) -> float:
    if channel <= 0.0031308:
        return 12.92 * channel
    return float((1.0 + 0.055) * channel ** (1.0 / 2.4) - 0.055)
