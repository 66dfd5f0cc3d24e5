"""Changes by an amount: "dim the lamp by 20 percent", "turn the tv up by 5%", "the heating
up by 2 degrees". The amount is a change from where the device is, never the value itself,
and the result stays within the device's range (the reply says when it was held there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hausgeist.understanding.text import as_number

_UNITS = frozenset({"%", "percent", "pct", "points", "point", "degrees", "degree", "c"})
_NOT_AMOUNTS = frozenset(
    {"am", "pm", "oclock", "minute", "minutes", "hour", "hours", "second", "seconds", "o"}
)
NEUTRAL = frozenset(
    {
        *("turn", "switch", "set", "make", "change", "put", "adjust", "move", "it", "please"),
        *("brightness", "volume", "temperature", "position", "speed", "level", "of", "a", "bit"),
    }
)
_UP = frozenset(
    {
        *("up", "raise", "increase", "brighten", "brighter", "higher", "warmer", "louder"),
        *("more", "boost", "hotter", "open", "faster", "bump"),
    }
)
_DOWN = frozenset(
    {
        *("down", "lower", "decrease", "dim", "dimmer", "darker", "cooler", "colder"),
        *("quieter", "less", "reduce", "softer", "close", "slower", "drop"),
    }
)


EXTREME = 1_000_000.0
"""The amount of "to the max": any range ends before it."""
_TOP = (
    ("to", "the", "maximum"), ("to", "the", "max"), ("to", "maximum"), ("to", "max"),
    ("to", "the", "highest"), ("to", "highest"), ("all", "the", "way", "up"), ("to", "full"),
    ("as", "high", "as", "possible"), ("as", "bright", "as", "possible"),
    ("as", "loud", "as", "possible"), ("as", "warm", "as", "possible"),
)  # fmt: skip
_BOTTOM = (
    ("to", "the", "minimum"), ("to", "the", "min"), ("to", "minimum"), ("to", "min"),
    ("to", "the", "lowest"), ("to", "lowest"), ("all", "the", "way", "down"),
    ("as", "low", "as", "possible"), ("as", "dim", "as", "possible"),
    ("as", "quiet", "as", "possible"), ("as", "cool", "as", "possible"),
)  # fmt: skip


def find_extreme(words: list[str]) -> Amount | None:
    """ "to the max", "all the way down", "as bright as possible": the end of the range."""
    for phrases, sign in ((_TOP, 1), (_BOTTOM, -1)):
        for phrase in phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == phrase:
                    return Amount(EXTREME, sign, words[:i] + words[i + n :])
    return None


def is_direction(word: str) -> bool:
    """Whether ``word`` says up or down ("raise", "dim", "louder")."""
    return word in _UP or word in _DOWN


@dataclass(frozen=True)
class Amount:
    """ "by N" said in a clause: the amount, its sign (0: not said), the words without it."""

    amount: float
    sign: int
    rest: list[str]


def find_amount(words: list[str]) -> Amount | None:
    """The "by N [unit]" of ``words``, or None."""
    for i, word in enumerate(words[:-1]):
        if word != "by":
            continue
        value = as_number(words[i + 1])
        if value is None:
            continue
        end = i + 2
        if end < len(words) and words[end] in _NOT_AMOUNTS:
            continue  # "by 10 pm", "by 5 minutes": a time, not an amount
        if end < len(words) and words[end] in _UNITS:
            end += 1
        rest = words[:i] + words[end:]
        up = any(w in _UP for w in rest)
        down = any(w in _DOWN for w in rest)
        sign = 0 if up == down else (1 if up else -1)
        return Amount(value, sign, rest)
    return None


@dataclass(frozen=True)
class Change:
    """The call that changes one device by the amount, or why it cannot."""

    service: str | None
    data: dict[str, Any]
    held: str | None = None
    """ "maximum"/"minimum" when the result was held at the end of the range."""
    problem: str | None = None


def _clamp(value: float, low: float, high: float) -> tuple[float, str | None]:
    if value > high:
        return high, "maximum"
    if value < low:
        return low, "minimum"
    return value, None


def _number(attrs: Mapping[str, Any], key: str) -> float | None:
    value = attrs.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _tidy(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def change_for(domain: str, name: str, attrs: Mapping[str, Any], amount: Amount) -> Change:
    """The call that changes the device ``name`` (of ``domain``, with ``attrs``) by ``amount``."""
    step = amount.amount * amount.sign
    if domain == "light" and amount.amount >= EXTREME:
        return Change("light.turn_on", {"brightness_pct": 100 if step > 0 else 1}, None)
    if domain == "light":
        brightness = _number(attrs, "brightness")
        held = None
        if brightness is not None:
            _, held = _clamp(brightness / 2.55 + step, 1, 100)
        return Change("light.turn_on", {"brightness_step_pct": _tidy(step)}, held)
    if domain == "media_player":
        volume = _number(attrs, "volume_level")
        if volume is None:
            return Change(
                None,
                {},
                problem=f"I don't know the {name}'s volume now, so I can't change it by an amount; say a volume to set",
            )
        level, held = _clamp(volume + step / 100, 0, 1)
        return Change("media_player.volume_set", {"volume_level": round(level, 2)}, held)
    if domain in {"climate", "water_heater"}:
        target = _number(attrs, "temperature")
        if target is None:
            return Change(
                None,
                {},
                problem=f"I don't know the {name}'s set point now; say a temperature to set",
            )
        low = _number(attrs, "min_temp") or (7.0 if domain == "climate" else 30.0)
        high = _number(attrs, "max_temp") or (35.0 if domain == "climate" else 70.0)
        value, held = _clamp(target + step, low, high)
        return Change(f"{domain}.set_temperature", {"temperature": _tidy(value)}, held)
    if domain in {"cover", "fan", "humidifier"}:
        key, service, low, high = {
            "cover": ("current_position", "cover.set_cover_position", 0.0, 100.0),
            "fan": ("percentage", "fan.set_percentage", 0.0, 100.0),
            "humidifier": (
                "humidity",
                "humidifier.set_humidity",
                _number(attrs, "min_humidity") or 0.0,
                _number(attrs, "max_humidity") or 100.0,
            ),
        }[domain]
        current = _number(attrs, key)
        if current is None:
            return Change(
                None, {}, problem=f"I don't know where the {name} is now; say a value to set"
            )
        value, held = _clamp(current + step, low, high)
        out_key = {"cover": "position", "fan": "percentage", "humidifier": "humidity"}[domain]
        return Change(service, {out_key: _tidy(value)}, held)
    return Change(None, {}, problem=f"the {name} has nothing to change by an amount")
