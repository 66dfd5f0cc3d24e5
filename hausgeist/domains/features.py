"""Which optional features a device has: Home Assistant's ``supported_features`` bits when the
device reports them, else what its other attributes show, with the benefit of the doubt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hausgeist.domains.spec import Feature

F = Feature
FEATURE_BITS: Mapping[str, Mapping[int, Feature]] = {
    # <Domain>EntityFeature of home-assistant/core, homeassistant/components/<domain>
    "light": {4: F.EFFECT, 8: F.FLASH, 32: F.TRANSITION},
    "climate": {
        1: F.TARGET_TEMPERATURE,
        2: F.TARGET_TEMPERATURE_RANGE,
        4: F.TARGET_HUMIDITY,
        8: F.FAN_MODE,
        16: F.PRESET_MODE,
        32: F.SWING_MODE,
        64: F.AUX_HEAT,
        128: F.TURN_OFF,
        256: F.TURN_ON,
        512: F.SWING_HORIZONTAL_MODE,
    },
    "fan": {
        1: F.SET_SPEED,
        2: F.OSCILLATE,
        4: F.DIRECTION,
        8: F.PRESET_MODE,
        16: F.TURN_OFF,
        32: F.TURN_ON,
    },
    "cover": {
        1: F.OPEN,
        2: F.CLOSE,
        4: F.POSITION,
        8: F.STOP,
        16: F.OPEN_TILT,
        32: F.CLOSE_TILT,
        64: F.STOP_TILT,
        128: F.TILT_POSITION,
    },
    "valve": {1: F.OPEN, 2: F.CLOSE, 4: F.POSITION, 8: F.STOP},
    "media_player": {
        1: F.PAUSE,
        2: F.SEEK,
        4: F.VOLUME_SET,
        8: F.VOLUME_MUTE,
        16: F.PREVIOUS_TRACK,
        32: F.NEXT_TRACK,
        128: F.TURN_ON,
        256: F.TURN_OFF,
        512: F.PLAY_MEDIA,
        1024: F.VOLUME_STEP,
        2048: F.SELECT_SOURCE,
        4096: F.STOP,
        8192: F.CLEAR_PLAYLIST,
        16384: F.PLAY,
        32768: F.SHUFFLE_SET,
        65536: F.SELECT_SOUND_MODE,
        131072: F.BROWSE_MEDIA,
        262144: F.REPEAT_SET,
        524288: F.GROUPING,
    },
    "vacuum": {  # StateVacuumEntity; TURN_ON (1), TURN_OFF (2) are gone from Home Assistant
        4: F.PAUSE,
        8: F.STOP,
        16: F.RETURN_HOME,
        32: F.FAN_SPEED,
        64: F.BATTERY,
        128: F.STATUS,
        256: F.SEND_COMMAND,
        512: F.LOCATE,
        1024: F.CLEAN_SPOT,
        2048: F.MAP,
        4096: F.STATE,
        8192: F.START,
    },
    "lock": {1: F.OPEN},
    "alarm_control_panel": {
        1: F.ARM_HOME,
        2: F.ARM_AWAY,
        4: F.ARM_NIGHT,
        8: F.TRIGGER,
        16: F.ARM_CUSTOM_BYPASS,
        32: F.ARM_VACATION,
    },
    "humidifier": {1: F.MODES},
    "water_heater": {1: F.TARGET_TEMPERATURE, 2: F.OPERATION_MODE, 4: F.AWAY_MODE, 8: F.ON_OFF},
    "siren": {1: F.TURN_ON, 2: F.TURN_OFF, 4: F.TONES, 8: F.VOLUME_SET, 16: F.DURATION},
}
"""Home Assistant's ``supported_features`` flags, bit by bit, per domain."""

WHOLE_COVER_CLASSES = frozenset({"garage", "door", "gate"})
"""Covers of these classes go up and down as a whole; a position only if they report one."""
_LIGHT_MODES = frozenset({F.BRIGHTNESS, F.COLOR, F.COLOR_TEMP})
_COLOR_MODES = frozenset({"hs", "rgb", "rgbw", "rgbww", "xy"})
_TILT = frozenset({F.OPEN_TILT, F.CLOSE_TILT, F.STOP_TILT, F.TILT_POSITION})


def supported_features(attributes: Mapping[str, object]) -> int | None:
    """The ``supported_features`` bitmask a device reports, or None when it reports none."""
    value = attributes.get("supported_features")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def device_features(
    domain: str, device_class: str | None, attributes: Mapping[str, object]
) -> frozenset[Feature]:
    """The optional features a device has, read from its attributes as Home Assistant reports them.

    ``supported_features``, when reported, decides. A device that reports none is given the
    benefit of the doubt: every feature of its domain, except where its other attributes or
    Home Assistant's own default say "no" (lights by their colour modes, whole covers and
    valves without a position, covers without a tilt)."""
    table = FEATURE_BITS.get(domain, {})
    bits = supported_features(attributes)
    found: set[Feature]
    if bits is not None:
        found = {feature for bit, feature in table.items() if bits & bit}
    else:
        found = set(table.values()) - _not_given(domain, device_class, attributes)
    if domain == "light":
        found |= _light_features(attributes.get("supported_color_modes"))
    return frozenset(found)


def _not_given(
    domain: str, device_class: str | None, attributes: Mapping[str, object]
) -> set[Feature]:
    """What a cover or valve that reports no ``supported_features`` is not trusted with, as
    Home Assistant's own default for covers reads it: a position when a whole cover (garage,
    door, gate) or a valve reports none, a tilt when a cover reports none."""
    lacking: set[Feature] = set()
    whole = domain == "valve" or device_class in WHOLE_COVER_CLASSES
    if domain in {"cover", "valve"} and whole and "current_position" not in attributes:
        lacking.add(F.POSITION)
    if domain == "cover" and "current_tilt_position" not in attributes:
        lacking |= _TILT
    return lacking


def _light_features(modes: object) -> set[Feature]:
    if not isinstance(modes, Iterable) or isinstance(modes, str | bytes):
        return set(_LIGHT_MODES)
    mode_set = {str(m) for m in modes}
    found: set[Feature] = set()
    if mode_set - {"onoff"}:
        found.add(F.BRIGHTNESS)
    if mode_set & _COLOR_MODES:
        found.add(F.COLOR)
    if "color_temp" in mode_set:
        found.add(F.COLOR_TEMP)
    return found
