"""Are the values in an LLM call ones the person said (numbers, modes, list items)?"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hausgeist.devices.actions import ServiceCall
from hausgeist.llm_stage.mentions import Mentions
from hausgeist.understanding.words import COLOR_TEMPS, COLORS, STEP_PCT, tokenize

# Data keys whose choice must have been said ("heat" for "heating", "night" for "night").
_SAID_CHOICES = frozenset(
    {
        "hvac_mode",
        "preset_mode",
        "fan_mode",
        "operation_mode",
        "mode",
        "source",
        "fan_speed",
        "direction",
        "repeat",
    }
)
# Data keys whose number must have been said (a percentage may be said as a fraction).
_SAID_NUMBERS = frozenset(
    {
        "brightness_pct",
        "brightness_step_pct",
        "percentage",
        "position",
        "tilt_position",
        "volume_level",
        "temperature",
        "humidity",
    }
)


_BY_A_STEP = frozenset(
    {"up", "down", "by", "brighter", "dimmer", "more", "less", "increase", "decrease", "raise"}
    | {"lower", "notch", "bit", "little", "higher", "louder", "quieter", "warmer"}
    | {"cooler", "colder"}
)
"""Words that make a number a change ("up by 20", "a bit brighter") rather than a level."""
_DOWNWARD = frozenset(
    {"down", "dim", "dimmer", "darker", "lower", "less", "decrease", "reduce", "quieter"}
    | {"cooler", "colder", "softer"}
)
_UPWARD = frozenset(
    {"up", "brighten", "brighter", "more", "increase", "higher", "louder", "warmer", "raise"}
)


def unsaid_value(call: ServiceCall, mentions: Mentions) -> str | None:
    """A number nobody said (made up, or copied from an example), an item not said, or a
    change by a step where the words give a level ("to half": 50%, not 50% brighter). A
    step with no number said may be the core's own (25%, as for "brighten the lamp")."""
    for key, value in call.data.items():
        if key.endswith("_step_pct"):
            reason = _step_reason(key, value, mentions)
            if reason is not None:
                return reason
        if key == "item" and isinstance(value, str):
            missing = [w for w in tokenize(value) if w not in mentions.words]
            if missing:
                return f"item {value!r} was not said"
        reason = _unsaid_colour(key, value, mentions)
        if reason is not None:
            return reason
        if key in _SAID_CHOICES and isinstance(value, str) and not said(value, mentions.words):
            return f"{key} {value!r} was not said"
        if key not in _SAID_NUMBERS or not isinstance(value, int | float):
            continue
        if key.endswith("_step_pct") and not mentions.numbers and abs(value) == STEP_PCT:
            continue  # "brighten the lamp": the core's own step
        if not uses_number(
            ServiceCall(service=call.service, entity_id=call.entity_id, data={key: value}), mentions
        ):
            return f"{key} {value} was not said"
    return None


def _unsaid_colour(key: str, value: object, mentions: Mentions) -> str | None:
    """A colour, or a colour temperature, other than one said ("cool white" is 6500 K, so
    2500 K is made up; "red" is [255, 0, 0])."""
    if key == "rgb_color" and isinstance(value, list):
        said_colours = [COLORS[w] for w in mentions.words if w in COLORS]
        if tuple(value) not in said_colours:
            return f"rgb_color {value} is no colour said"
    if key == "color_temp_kelvin" and isinstance(value, int | float):
        said_temps = {k for words, k in COLOR_TEMPS.items() if set(words) <= mentions.words}
        if value not in said_temps and not any(
            math.isclose(float(value), n) for n in mentions.numbers
        ):
            return f"color_temp_kelvin {value} was not said"
    return None


def _step_reason(key: str, value: object, mentions: Mentions) -> str | None:
    """Why a change by a step is not what the words say: they give a level ("down to 20":
    20, not 20 less), or only the other direction ("down", and the step goes up)."""
    words = mentions.words
    if not words & (_BY_A_STEP | _UPWARD | _DOWNWARD):  # "brighten" and "dim" are changes
        return f"{key} changes the level by a step, but the words say no change"
    if isinstance(value, int | float):
        wrong_way, right_way = (_UPWARD, _DOWNWARD) if value < 0 else (_DOWNWARD, _UPWARD)
        if words & wrong_way and not words & right_way:
            return f"{key} {value} goes the other way than the words say"
        if "to" in words and "by" not in words and abs(value) in mentions.numbers:
            return f"{key} {value} is a step, but the words set a level (to {abs(value):g})"
    return None


def said(choice: str, words: frozenset[str]) -> bool:
    """Every word of ``choice`` was said, or said as a longer form ("heat" in "heating")."""
    return all(
        any(w == part or (len(part) >= 3 and w.startswith(part)) for w in words)
        for part in tokenize(choice.replace("_", " "))
    )


def number_anchored(calls: Sequence[ServiceCall], mentions: Mentions) -> bool:
    """No verb, but a number said to named devices ("the desk lamp at 40"): each call sets it."""
    return bool(mentions.numbers) and all(
        c.entity_id in mentions.devices and uses_number(c, mentions) for c in calls
    )


def uses_number(call: ServiceCall, mentions: Mentions) -> bool:
    """Some value of the call is a number said, negated (a step down), or a percentage said
    as a fraction (volume 0.35 for "35"; not 35 for "3500")."""
    said = {n for m in mentions.numbers for n in (m, -m)}
    said |= {m / 100 for m in mentions.numbers if abs(m) <= 100}
    return any(
        isinstance(v, int | float) and any(math.isclose(float(v), n, abs_tol=1e-6) for n in said)
        for v in call.data.values()
    )
