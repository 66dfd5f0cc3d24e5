"""From an action and a device to a Home Assistant service call: one table, per domain."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hausgeist.devices.registry import Device
from hausgeist.devices.state import EntityState
from hausgeist.domains.capabilities import WHOLE_COVER_CLASSES
from hausgeist.domains.features import supported_features
from hausgeist.domains.spec import Feature
from hausgeist.understanding import modes
from hausgeist.understanding.intents import Action, Intent, arm_mode

VOLUME_STEP = 0.1
"""How much "louder" / "quieter" change the volume when the current level is known."""
STEP_PCT = 25
"""How much "dim" / "brighter" change the brightness, in percent."""
TEMP_STEP = 1.0
"""How much "warmer" / "cooler" change a set temperature, in degrees."""


class PlanError(Exception):
    """The action cannot be expressed for this device (the reason is the message)."""


@dataclass(frozen=True)
class Step:
    """How one action lands on one domain."""

    service: str
    data: Callable[[Intent, Device, EntityState], dict[str, Any]] | None = None


def _none(_i: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
    return {}


def _pct(key: str) -> Callable[[Intent, Device, EntityState], dict[str, Any]]:
    def build(intent: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
        return {key: round(float(intent.value))}

    return build


def _volume(intent: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
    value = float(intent.value)
    return {"volume_level": round(value / 100 if value > 1 else value, 2)}


def _temperature(intent: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
    value = float(intent.value)
    return {"temperature": int(value) if value.is_integer() else value}


def _number(intent: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
    value = float(intent.value)
    return {"value": int(value) if value.is_integer() else value}


def _temp_step(sign: int) -> Callable[[Intent, Device, EntityState], dict[str, Any]]:
    def build(intent: Intent, device: Device, state: EntityState) -> dict[str, Any]:
        current = state.attributes.get("temperature")
        if not isinstance(current, int | float) or isinstance(current, bool):
            raise PlanError(
                f"I don't know what {device.name} is set to, so I can't change it by a degree"
            )
        amount = float(intent.value) if isinstance(intent.value, int | float) else TEMP_STEP
        value = float(current) + sign * amount
        return {"temperature": int(value) if value.is_integer() else value}

    return build


def _step(sign: int) -> Callable[[Intent, Device, EntityState], dict[str, Any]]:
    def build(intent: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
        amount = float(intent.value) if intent.value is not None else STEP_PCT
        return {"brightness_step_pct": sign * round(amount)}

    return build


def _volume_step(sign: int) -> Callable[[Intent, Device, EntityState], dict[str, Any]]:
    def build(_i: Intent, _d: Device, state: EntityState) -> dict[str, Any]:
        current = state.attributes.get("volume_level")
        level = (
            float(current)
            if isinstance(current, int | float) and not isinstance(current, bool)
            else 0.5
        )
        return {"volume_level": round(min(1.0, max(0.0, level + sign * VOLUME_STEP)), 2)}

    return build


def _knows_volume(state: EntityState) -> bool:
    value = state.attributes.get("volume_level")
    return isinstance(value, int | float) and not isinstance(value, bool)


def _mode(intent: Intent, device: Device, state: EntityState) -> tuple[str, dict[str, Any]]:
    try:
        return modes.choose(intent.value, device, state)
    except ValueError as exc:
        raise PlanError(str(exc)) from None


def _climate_switch(
    intent: Intent, device: Device, state: EntityState
) -> tuple[str, dict[str, Any]] | None:
    """Home Assistant's own ``climate.turn_on`` / ``turn_off`` where the device reports them
    (``supported_features`` said, with TURN_ON / TURN_OFF); None where a mode is to be set.

    "Turn on the heating" on a device that both heats and cools names the mode to switch to;
    "turn on the air con" or "the heating" on a device of one such mode is its own turn_on."""
    if supported_features(state.attributes) is None:
        return None  # no bitmask reported: the modes decide, as before
    features = device.features(state.attributes)
    if intent.action is Action.OFF:
        return ("climate.turn_off", {}) if Feature.TURN_OFF in features else None
    if Feature.TURN_ON not in features:
        return None
    modes_listed = state.attributes.get("hvac_modes")
    listed = {str(m) for m in modes_listed} if isinstance(modes_listed, list) else set()
    said = set(intent.words)
    named = ("heat" if said & _HEATING else None) or ("cool" if said & _COOLING else None)
    if named is not None and {"heat", "cool"} <= listed:
        return "climate.set_hvac_mode", {"hvac_mode": named}
    return "climate.turn_on", {}


_HEATING = frozenset({"heating", "heat", "warm", "warming"})
_COOLING = frozenset({"cooling", "cool", "cold", "chill"})


def _heat_on(intent: Intent, _d: Device, state: EntityState) -> dict[str, Any]:
    """ "Turn the heating on": the heating mode (cooling when the words say air conditioning)."""
    modes = state.attributes.get("hvac_modes")
    listed = [str(m) for m in modes] if isinstance(modes, list) else []
    cooling = bool(
        {"ac", "aircon", "conditioning", "conditioner", "cool", "cooling"} & set(intent.words)
    )
    for mode in ("cool", "heat_cool", "auto") if cooling else ("heat", "heat_cool", "auto"):
        if not listed or mode in listed:
            return {"hvac_mode": mode}
    usable = [m for m in listed if m != "off"]
    if not usable:
        raise PlanError("that thermostat has no mode to switch on to")
    return {"hvac_mode": usable[0]}


def _value(key: str) -> Callable[[Intent, Device, EntityState], dict[str, Any]]:
    def build(intent: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
        return {key: intent.value}

    return build


def _const(**data: Any) -> Callable[[Intent, Device, EntityState], dict[str, Any]]:
    def build(_i: Intent, _d: Device, _s: EntityState) -> dict[str, Any]:
        return dict(data)

    return build


_ONOFF = (
    "light",
    "switch",
    "fan",
    "input_boolean",
    "media_player",
    "humidifier",
    "water_heater",
)
_SET_PCT: dict[str, Step] = {
    "light": Step("turn_on", _pct("brightness_pct")),
    "cover": Step("set_cover_position", _pct("position")),
    "valve": Step("set_valve_position", _pct("position")),
    "fan": Step("set_percentage", _pct("percentage")),
    "media_player": Step("volume_set", _volume),
    "humidifier": Step("set_humidity", _pct("humidity")),
}

TABLE: Mapping[Action, Mapping[str, Step]] = {
    Action.ON: {
        **{d: Step("turn_on") for d in _ONOFF},
        "siren": Step("turn_on"),
        "climate": Step("set_hvac_mode", _heat_on),
        "script": Step("turn_on"),
        "scene": Step("turn_on"),
        "vacuum": Step("start"),
        "valve": Step("open_valve"),
        "alarm_control_panel": Step("alarm_arm_away", None),
    },
    Action.OFF: {
        **{d: Step("turn_off") for d in _ONOFF},
        "siren": Step("turn_off"),
        "climate": Step("set_hvac_mode", _const(hvac_mode="off")),
        "script": Step("turn_off"),
        "vacuum": Step("stop"),
        "valve": Step("close_valve"),
    },
    Action.TOGGLE: {
        d: Step("toggle") for d in (*_ONOFF[:-1], "climate", "script", "cover", "valve")
    },
    Action.OPEN: {"cover": Step("open_cover"), "valve": Step("open_valve"), "lock": Step("unlock")},
    Action.CLOSE: {
        "cover": Step("close_cover"),
        "valve": Step("close_valve"),
        "lock": Step("lock"),
    },
    Action.STOP: {
        "cover": Step("stop_cover"),
        "valve": Step("stop_valve"),
        "media_player": Step("media_stop"),
        "vacuum": Step("stop"),
        "fan": Step("turn_off"),
        "switch": Step("turn_off"),
        "input_boolean": Step("turn_off"),
        "humidifier": Step("turn_off"),
        "script": Step("turn_off"),
    },
    Action.LOCK: {"lock": Step("lock")},
    Action.UNLOCK: {"lock": Step("unlock")},
    Action.SET_PCT: _SET_PCT,
    Action.SET_NUMBER: {
        **_SET_PCT,
        "number": Step("set_value", _number),
        "input_number": Step("set_value", _number),
        "climate": Step("set_temperature", _temperature),
        "water_heater": Step("set_temperature", _temperature),
    },
    Action.SET_TEMP: {
        "climate": Step("set_temperature", _temperature),
        "water_heater": Step("set_temperature", _temperature),
    },
    Action.BRIGHT_UP: {"light": Step("turn_on", _step(+1))},
    Action.BRIGHT_DOWN: {"light": Step("turn_on", _step(-1))},
    Action.TEMP_UP: {
        "climate": Step("set_temperature", _temp_step(+1)),
        "water_heater": Step("set_temperature", _temp_step(+1)),
    },
    Action.TEMP_DOWN: {
        "climate": Step("set_temperature", _temp_step(-1)),
        "water_heater": Step("set_temperature", _temp_step(-1)),
    },
    Action.COLOR: {"light": Step("turn_on", _value("rgb_color"))},
    Action.COLOR_TEMP: {"light": Step("turn_on", _value("color_temp_kelvin"))},
    Action.HVAC_MODE: {"climate": Step("set_hvac_mode", _value("hvac_mode"))},
    Action.PLAY: {"media_player": Step("media_play")},
    Action.PAUSE: {"media_player": Step("media_pause"), "vacuum": Step("pause")},
    Action.NEXT: {"media_player": Step("media_next_track")},
    Action.PREVIOUS: {"media_player": Step("media_previous_track")},
    Action.VOLUME_SET: {"media_player": Step("volume_set", _volume)},
    Action.VOLUME_UP: {"media_player": Step("volume_set", _volume_step(+1))},
    Action.VOLUME_DOWN: {"media_player": Step("volume_set", _volume_step(-1))},
    Action.STEP_UP: {
        "light": Step("turn_on", _step(+1)),
        "media_player": Step("volume_set", _volume_step(+1)),
        "climate": Step("set_temperature", _temp_step(+1)),
        "water_heater": Step("set_temperature", _temp_step(+1)),
        "fan": Step("increase_speed"),
    },
    Action.STEP_DOWN: {
        "light": Step("turn_on", _step(-1)),
        "media_player": Step("volume_set", _volume_step(-1)),
        "climate": Step("set_temperature", _temp_step(-1)),
        "water_heater": Step("set_temperature", _temp_step(-1)),
        "fan": Step("decrease_speed"),
    },
    Action.SET_MODE: {
        d: Step("set_mode")
        for d in (
            "climate",
            "fan",
            "water_heater",
            "humidifier",
            "media_player",
            "vacuum",
            "select",
            "input_select",
        )
    },
    Action.PRESS: {"button": Step("press"), "input_button": Step("press")},
    Action.MUTE: {"media_player": Step("volume_mute", _const(is_volume_muted=True))},
    Action.UNMUTE: {"media_player": Step("volume_mute", _const(is_volume_muted=False))},
    Action.START: {"vacuum": Step("start")},
    Action.RETURN: {"vacuum": Step("return_to_base")},
    Action.LOCATE: {"vacuum": Step("locate")},
    Action.FAN_UP: {"fan": Step("increase_speed")},
    Action.FAN_DOWN: {"fan": Step("decrease_speed")},
    Action.OSCILLATE: {"fan": Step("oscillate", lambda i, _d, _s: {"oscillating": bool(i.value)})},
    Action.ACTIVATE: {
        "scene": Step("turn_on"),
        "script": Step("turn_on"),
        "vacuum": Step("start"),
        "valve": Step("open_valve"),
        "switch": Step("turn_on"),
        "input_boolean": Step("turn_on"),
    },
    Action.ADD_ITEM: {"todo": Step("add_item", _value("item"))},
    Action.REMOVE_ITEM: {"todo": Step("remove_item", _value("item"))},
    Action.DISARM: {"alarm_control_panel": Step("alarm_disarm")},
}

# Where an action goes when only an area is named ("turn off the kitchen").
AREA_DEFAULT: Mapping[Action, tuple[str, ...]] = {
    Action.ON: ("light",),
    Action.OFF: ("light",),
    Action.TOGGLE: ("light",),
    Action.OPEN: ("cover",),
    Action.CLOSE: ("cover",),
    Action.STOP: ("cover", "media_player"),
    Action.SET_PCT: ("light",),
    Action.SET_NUMBER: ("light",),
    Action.SET_TEMP: ("climate",),
    Action.TEMP_UP: ("climate",),
    Action.TEMP_DOWN: ("climate",),
    Action.PLAY: ("media_player",),
    Action.PAUSE: ("media_player",),
}


def domains_for(action: Action) -> frozenset[str]:
    """Domains an action can land on."""
    if action is Action.ARM:
        return frozenset({"alarm_control_panel"})
    return frozenset(TABLE.get(action, {}))


def fits(intent: Intent, device: Device) -> bool:
    """Can ``intent`` be carried out on ``device`` at all (by domain)?"""
    if intent.domains is not None and device.domain not in intent.domains:
        return False
    if intent.rule is not None and intent.rule.entrances_only and device.domain == "cover":
        return device.device_class in WHOLE_COVER_CLASSES  # a gate or door, not the blinds
    return device.domain in domains_for(intent.action)


def plan(intent: Intent, device: Device, state: EntityState) -> tuple[str, dict[str, Any]]:
    """The service and data for ``intent`` on ``device``; PlanError when it has none."""
    if intent.action is Action.ARM:
        return f"alarm_control_panel.{intent.value}", {}
    if intent.action is Action.ON and device.domain == "alarm_control_panel":
        return f"alarm_control_panel.{arm_mode(intent.words)}", {}
    if intent.action is Action.SET_MODE:
        return _mode(intent, device, state)
    if intent.action in {Action.ON, Action.OFF} and device.domain == "climate":
        switched = _climate_switch(intent, device, state)
        if switched is not None:
            return switched
    step = TABLE.get(intent.action, {}).get(device.domain)
    if step is None:
        raise PlanError(f"{device.name} can't do that")
    if (
        step.service == "volume_set"
        and intent.action is not Action.VOLUME_SET
        and not (_knows_volume(state) and Feature.VOLUME_SET in device.features(state.attributes))
    ):
        # Relative volume without a known level, or on a player that only steps its volume
        # (no VOLUME_SET reported): Home Assistant's own step services.
        up = intent.action in {Action.VOLUME_UP, Action.STEP_UP}
        return f"media_player.volume_{'up' if up else 'down'}", {}
    build = step.data or _none
    data = build(intent, device, state)
    if intent.extra and device.domain == "light":
        data.update(intent.extra)
    return f"{device.domain}.{step.service}", data
