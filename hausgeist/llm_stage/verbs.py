"""Which Home Assistant services an action the core reads in the words can mean."""

from __future__ import annotations

from collections.abc import Iterable

from hausgeist.understanding.words import TABLE, Action

ARM_SERVICES = frozenset(
    f"alarm_control_panel.{s}"
    for s in ("alarm_arm_home", "alarm_arm_away", "alarm_arm_night", "alarm_arm_vacation")
)
_MODES = frozenset(
    {
        "climate.set_hvac_mode",
        "climate.set_preset_mode",
        "climate.set_fan_mode",
        "fan.set_preset_mode",
        "water_heater.set_operation_mode",
        "humidifier.set_mode",
        "media_player.select_source",
        "vacuum.set_fan_speed",
    }
)
# Services an action may land on beyond the core's own plan table.
_ALSO: dict[Action, frozenset[str]] = {
    Action.ON: ARM_SERVICES | {"climate.turn_on", "water_heater.turn_on"},
    Action.OFF: frozenset({"climate.turn_off", "water_heater.turn_off"}),
    Action.ARM: ARM_SERVICES,
    Action.SET_MODE: _MODES,
    Action.HVAC_MODE: frozenset({"climate.set_hvac_mode"}),
    Action.VOLUME_UP: frozenset({"media_player.volume_up"}),
    Action.VOLUME_DOWN: frozenset({"media_player.volume_down"}),
    Action.STEP_UP: frozenset({"media_player.volume_up", "fan.set_percentage"}),
    Action.STEP_DOWN: frozenset({"media_player.volume_down", "fan.set_percentage"}),
    Action.FAN_UP: frozenset({"fan.set_percentage"}),
    Action.FAN_DOWN: frozenset({"fan.set_percentage"}),
    Action.SET_NUMBER: frozenset({"climate.set_humidity"}),
    Action.PLAY: frozenset({"media_player.media_play_pause"}),
    Action.PAUSE: frozenset({"media_player.media_play_pause"}),
}
# Actions that carry a value: a call for them without data ignored what was said.
VALUED = frozenset(
    {
        Action.SET_PCT,
        Action.SET_NUMBER,
        Action.SET_TEMP,
        Action.COLOR,
        Action.COLOR_TEMP,
        Action.VOLUME_SET,
        Action.HVAC_MODE,
        Action.SET_MODE,
        Action.ADD_ITEM,
        Action.REMOVE_ITEM,
    }
)

# Actions that change a level by a step: a call for them must carry the step, unless its
# service is a step itself.
STEPS = frozenset(
    {
        Action.STEP_UP,
        Action.STEP_DOWN,
        Action.BRIGHT_UP,
        Action.BRIGHT_DOWN,
        Action.TEMP_UP,
        Action.TEMP_DOWN,
        Action.FAN_UP,
        Action.FAN_DOWN,
    }
)
STEP_SERVICES = frozenset(
    {
        "media_player.volume_up",
        "media_player.volume_down",
        "fan.increase_speed",
        "fan.decrease_speed",
    }
)
"""Services that are a step by themselves (no data needed)."""


def compatible_services(actions: Iterable[Action]) -> frozenset[str]:
    """Every ``<domain>.<service>`` the given actions can mean."""
    out: set[str] = set()
    for action in actions:
        out.update(f"{domain}.{step.service}" for domain, step in TABLE.get(action, {}).items())
        out.update(_ALSO.get(action, ()))
    return frozenset(out)
