"""Home Assistant service calls as the JSON Zigbee2MQTT takes on ``<topic>/set``.

Domains Zigbee2MQTT has no properties for (media players, vacuums, alarm panels...) travel as
``{"service": "media_pause", "data": {...}}``: the bridge or device behind the topic decides."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.devices.state import EntityState
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.color import kelvin_to_mired, scale
from hausgeist.integration.adapters.zigbee2mqtt_keys import FAN_SPEEDS, NATIVE_DOMAINS, Z2mEntity

Encoder = Callable[[ServiceCall, EntityState, Z2mEntity], dict[str, Any]]
_ON_OFF = {"turn_on": "ON", "turn_off": "OFF", "toggle": "TOGGLE"}


def z2m_command(call: ServiceCall, current: EntityState, entity: Z2mEntity) -> dict[str, Any]:
    """The ``/set`` object for ``call``, keys already suffixed with the entity's endpoint."""
    if call.domain not in NATIVE_DOMAINS:
        return {"service": call.name, "data": dict(call.data)}
    encoder = _ENCODERS.get(call.service)
    if encoder is None:
        raise IntegrationError(
            f"{call.service} cannot be sent to the Zigbee2MQTT device {entity.topic!r}:"
            " Zigbee2MQTT has no property for it"
        )
    return {entity.key(k): v for k, v in encoder(call, current, entity).items()}


def _fixed(**payload: Any) -> Encoder:
    return lambda _call, _current, _entity: dict(payload)


def _on_off(call: ServiceCall, _current: EntityState, _entity: Z2mEntity) -> dict[str, Any]:
    return {"state": _ON_OFF[call.name]}


def _light(call: ServiceCall, _current: EntityState, _entity: Z2mEntity) -> dict[str, Any]:
    data = call.data
    out: dict[str, Any] = {"state": _ON_OFF[call.name]}
    if "transition" in data:
        out["transition"] = data["transition"]
    if call.name != "turn_on":
        return out
    out |= _light_brightness(data)
    if out.get("brightness") == 0:
        return {k: v for k, v in out.items() if k != "brightness"} | {"state": "OFF"}
    out |= _light_colour(data)
    if "effect" in data:
        out["effect"] = data["effect"]
    return out


def _light_brightness(data: Mapping[str, Any]) -> dict[str, Any]:
    if "brightness_pct" in data:
        return {"brightness": scale(data["brightness_pct"], 100, 254)}
    if "brightness" in data:
        return {"brightness": scale(data["brightness"], 255, 254)}
    if "brightness_step_pct" in data:
        return {"brightness_step": round(data["brightness_step_pct"] * 254 / 100)}
    if "brightness_step" in data:
        return {"brightness_step": data["brightness_step"]}
    return {}


def _light_colour(data: Mapping[str, Any]) -> dict[str, Any]:
    if "rgb_color" in data:
        red, green, blue = data["rgb_color"]
        return {"color": {"r": red, "g": green, "b": blue}}
    if "hs_color" in data:
        return {"color": {"hue": data["hs_color"][0], "saturation": data["hs_color"][1]}}
    if "xy_color" in data:
        return {"color": {"x": data["xy_color"][0], "y": data["xy_color"][1]}}
    if "color_temp_kelvin" in data:
        return {"color_temp": kelvin_to_mired(data["color_temp_kelvin"])}
    if "color_name" in data:
        raise IntegrationError("Zigbee2MQTT takes no colour names: send rgb_color instead")
    return {}


def _fan(call: ServiceCall, current: EntityState, _entity: Z2mEntity) -> dict[str, Any]:
    if call.name in {"turn_off", "toggle"} or (call.name == "turn_on" and not call.data):
        return {"fan_state": _ON_OFF[call.name]}
    if "preset_mode" in call.data:
        return {"fan_mode": call.data["preset_mode"]}
    state, attrs = apply_call(call, current)
    return {"fan_mode": fan_mode(attrs.get("percentage") if state == "on" else 0)}


def fan_mode(percentage: Any) -> str:
    """The ``fan_mode`` speed nearest above ``percentage`` (0 is ``off``)."""
    if not isinstance(percentage, int | float) or percentage <= 0:
        return "off"
    index = min(len(FAN_SPEEDS), max(1, -(-round(percentage) * len(FAN_SPEEDS) // 100)))
    return FAN_SPEEDS[index - 1]


def _cover_toggle(_call: ServiceCall, current: EntityState, _entity: Z2mEntity) -> dict[str, Any]:
    return {"state": "OPEN" if current.state in {"closed", "closing"} else "CLOSE"}


def _climate(call: ServiceCall, current: EntityState, entity: Z2mEntity) -> dict[str, Any]:
    data = call.data
    if call.name == "set_temperature":
        out: dict[str, Any] = {}
        if "temperature" in data:
            out[entity.property or "occupied_heating_setpoint"] = data["temperature"]
        if "target_temp_low" in data:
            out["occupied_heating_setpoint"] = data["target_temp_low"]
        if "target_temp_high" in data:
            out["occupied_cooling_setpoint"] = data["target_temp_high"]
        if "hvac_mode" in data:
            out["system_mode"] = data["hvac_mode"]
        return out
    if call.name in {"set_fan_mode", "set_preset_mode"}:
        key = "fan_mode" if call.name == "set_fan_mode" else "preset"
        return {key: data[call.name.removeprefix("set_")]}
    state, _ = apply_call(call, current)  # set_hvac_mode, turn_on, turn_off, toggle
    return {"system_mode": state}


_ENCODERS: Mapping[str, Encoder] = {
    **{f"{d}.{s}": _on_off for d in ("switch", "input_boolean") for s in _ON_OFF},
    **{f"light.{s}": _light for s in _ON_OFF},
    **{f"fan.{s}": _fan for s in (*_ON_OFF, "set_percentage", "set_preset_mode")},
    **{f"fan.{s}": _fan for s in ("increase_speed", "decrease_speed")},
    "cover.open_cover": _fixed(state="OPEN"),
    "cover.close_cover": _fixed(state="CLOSE"),
    "cover.stop_cover": _fixed(state="STOP"),
    "cover.toggle": _cover_toggle,
    "cover.set_cover_position": lambda c, _s, _e: {"position": c.data["position"]},
    "cover.open_cover_tilt": _fixed(tilt=100),
    "cover.close_cover_tilt": _fixed(tilt=0),
    "cover.stop_cover_tilt": _fixed(state="STOP"),
    "cover.set_cover_tilt_position": lambda c, _s, _e: {"tilt": c.data["tilt_position"]},
    "valve.open_valve": _fixed(state="ON"),
    "valve.close_valve": _fixed(state="OFF"),
    "valve.toggle": _fixed(state="TOGGLE"),
    "valve.set_valve_position": lambda c, _s, _e: {"position": c.data["position"]},
    "lock.lock": _fixed(state="LOCK"),
    "lock.unlock": _fixed(state="UNLOCK"),
    **{f"climate.{s}": _climate for s in (*_ON_OFF, "set_temperature", "set_hvac_mode")},
    **{f"climate.{s}": _climate for s in ("set_fan_mode", "set_preset_mode")},
}
"""Every service Zigbee2MQTT can carry out for the native domains."""
