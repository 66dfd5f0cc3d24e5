"""Reading device payloads defensively: bounded size, strict UTF-8 and JSON, typed look-ups.

Devices and whoever else can publish on the broker are not trusted: every reader here
either returns a plain value or raises PayloadError."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from hausgeist.errors import PayloadError

MAX_PAYLOAD = 64 * 1024
"""Bytes; larger state messages are refused unread."""
_MAX_DEPTH = 32


def text(payload: bytes, topic: str, limit: int = MAX_PAYLOAD) -> str:
    """The payload as stripped UTF-8 text, at most ``limit`` bytes."""
    if len(payload) > limit:
        raise PayloadError(f"{topic}: payload of {len(payload)} bytes exceeds {limit}")
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError as err:
        raise PayloadError(f"{topic}: payload is not UTF-8 text ({err.reason})") from err


def parse_json(payload: bytes, topic: str, limit: int = MAX_PAYLOAD) -> Any:
    """The payload as JSON (finite numbers only, nesting bounded), at most ``limit`` bytes."""
    raw = text(payload, topic, limit)
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise PayloadError(f"{topic}: payload is not JSON ({str(err)[:80]})") from err
    if _depth(value) > _MAX_DEPTH:
        raise PayloadError(f"{topic}: JSON nested deeper than {_MAX_DEPTH} levels")
    return value


def json_object(payload: bytes, topic: str) -> dict[str, Any]:
    """The payload as a JSON object."""
    value = parse_json(payload, topic)
    if not isinstance(value, dict):
        raise PayloadError(f"{topic}: expected a JSON object, got {type(value).__name__}")
    return value


def json_or_text(payload: bytes, topic: str) -> Any:
    """JSON when the payload is JSON, else the stripped text."""
    raw = text(payload, topic)
    if raw[:1] in {"{", "["}:
        return parse_json(payload, topic)
    try:
        return parse_json(payload, topic) if raw else raw
    except PayloadError:
        return raw


def availability(payload: bytes, topic: str) -> bool:
    """``online``/``offline`` in any case, or JSON ``{"state": "online"}``."""
    value = json_or_text(payload, topic)
    if isinstance(value, dict):
        value = value.get("state")
    word = str(value).strip().casefold() if isinstance(value, str | bool) else ""
    if word in {"online", "true", "available"}:
        return True
    if word in {"offline", "false", "unavailable"}:
        return False
    raise PayloadError(f"{topic}: availability must be online or offline, got {str(value)[:40]!r}")


def dotted(value: Any, path: str) -> Any:
    """``value["a"]["b"]`` for ``a.b`` (list indices as numbers); None when any step is missing."""
    for step in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric text; None otherwise (bools are no numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) < 40:
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and abs(value) < 1e15:
        return float(value)
    return None


def state_text(value: Any) -> str | None:
    """A JSON value as a Home Assistant state text: numbers as text, true/false as on/off."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        num = number(value)
        return None if num is None else (str(int(num)) if num.is_integer() else str(num))
    if isinstance(value, str) and 0 < len(value) <= 255:
        return value
    return None


def dump(value: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    stack, deepest = [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > _MAX_DEPTH:
            break
        children = list(item.values()) if isinstance(item, dict) else item
        if isinstance(children, list):
            stack.extend((child, level + 1) for child in children)
    return deepest
