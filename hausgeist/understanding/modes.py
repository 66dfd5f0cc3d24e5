"""Modes: a named setting from one of the lists a device reports, as Home Assistant has them.

An air conditioner reports several lists (``hvac_modes``, ``preset_modes``, ``fan_modes``,
``swing_modes``); a part said with the mode ("the fan to high", "the louvres to the middle")
says which list, and only that list is searched: "the air con fan on auto" is the fan's
auto, never the air conditioner's auto mode. A mode the device does not list is refused with
the choices it has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hausgeist.devices.registry import Device
from hausgeist.devices.state import EntityState


@dataclass(frozen=True)
class ModeList:
    """One list of choices a device reports, and the service that picks from it."""

    domain: str
    attribute: str
    service: str
    key: str
    part: str
    """What the list sets, in words ("fan", "swing", "mode")."""


LISTS: tuple[ModeList, ...] = (
    ModeList("climate", "hvac_modes", "set_hvac_mode", "hvac_mode", "mode"),
    ModeList("climate", "preset_modes", "set_preset_mode", "preset_mode", "preset"),
    ModeList("climate", "fan_modes", "set_fan_mode", "fan_mode", "fan"),
    ModeList("climate", "swing_modes", "set_swing_mode", "swing_mode", "swing"),
    ModeList(
        "climate",
        "swing_horizontal_modes",
        "set_swing_horizontal_mode",
        "swing_horizontal_mode",
        "swing",
    ),
    ModeList("fan", "preset_modes", "set_preset_mode", "preset_mode", "preset"),
    ModeList("water_heater", "operation_list", "set_operation_mode", "operation_mode", "mode"),
    ModeList("humidifier", "available_modes", "set_mode", "mode", "mode"),
    ModeList("media_player", "source_list", "select_source", "source", "source"),
    ModeList("media_player", "sound_mode_list", "select_sound_mode", "sound_mode", "sound"),
    ModeList("vacuum", "fan_speed_list", "set_fan_speed", "fan_speed", "fan"),
    ModeList("select", "options", "select_option", "option", "option"),
    ModeList("input_select", "options", "select_option", "option", "option"),
)

PART_WORDS: dict[str, str] = {
    "fan": "fan",
    "fan speed": "fan",
    "fan mode": "fan",
    "swing": "swing",
    "swing mode": "swing",
    "louvre": "swing",
    "louvres": "swing",
    "louver": "swing",
    "louvers": "swing",
    "vane": "swing",
    "vanes": "swing",
    "flap": "swing",
    "flaps": "swing",
    "fins": "swing",
    "airflow": "swing",
    "air flow": "swing",
    "preset": "preset",
}
"""Words for the part of a device a mode belongs to, and which lists they mean."""

_ON_WORDS = {"on": ("on", "swing"), "off": ("off",), "stop": ("off",)}
"""A part switched on or off ("turn off the swing"): the choices that mean it, in order."""

_SAME = {"mid": "middle", "centre": "middle", "center": "middle", "max": "high", "min": "low"}


@dataclass(frozen=True)
class PartMode:
    """A mode said of a part of a device ("the fan" ... "high")."""

    part: str
    mode: str

    def __str__(self) -> str:
        return f"{self.part} {self.mode}"


def _norm(word: str) -> str:
    text = word.casefold().replace("_", " ").replace("-", " ").strip()
    text = text.removesuffix(" mode").removesuffix(" speed").removesuffix(" position").strip()
    text = text.removeprefix("the ").strip()
    return _SAME.get(text, text)


def lists_of(device: Device, state: EntityState, part: str | None = None) -> list[ModeList]:
    """The lists ``device`` reports (those of ``part`` only, when a part is said)."""
    return [
        m
        for m in LISTS
        if m.domain == device.domain
        and isinstance(state.attributes.get(m.attribute), list)
        and (part is None or m.part == part)
    ]


def choose(value: Any, device: Device, state: EntityState) -> tuple[str, dict[str, Any]]:
    """The service call that sets ``value`` (a mode, or a :class:`PartMode`) on ``device``.

    Raises ``ValueError`` with the reason, in words, when the device has no such mode."""
    part = value.part if isinstance(value, PartMode) else None
    said = value.mode if isinstance(value, PartMode) else str(value)
    wanted = _norm(said)
    lists = lists_of(device, state, part)
    if not lists:
        what = f"{part} settings" if part else "modes to choose from"
        raise ValueError(f"{device.name} has no {what}")
    candidates = _ON_WORDS.get(wanted, (wanted,)) if part else (wanted,)
    for candidate in candidates:
        for mode_list in lists:
            for choice in state.attributes[mode_list.attribute]:
                if _norm(str(choice)) == candidate:
                    return f"{device.domain}.{mode_list.service}", {mode_list.key: choice}
    choices = sorted(
        {str(c).replace("_", " ") for m in lists for c in state.attributes[m.attribute]}
    )
    where = f"{device.name}'s {part}" if part else device.name
    raise ValueError(f"{where} has no setting called '{said}' (it has: {', '.join(choices)})")
