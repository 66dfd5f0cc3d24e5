"""The capability tables of the domains hausgeist acts on: for every domain, the services Home
Assistant offers, their data keys, types, units and ranges, the device classes that change
them and the features (``supported_features``) each needs. Home Assistant's other domains
are in ``foreign``; ``DOMAINS`` holds both."""

from __future__ import annotations

from collections.abc import Mapping

from hausgeist.domains.device_classes import BINARY_SENSOR_CLASSES, SENSOR_CLASSES
from hausgeist.domains.features import WHOLE_COVER_CLASSES, device_features
from hausgeist.domains.foreign import FOREIGN_SPECS, services
from hausgeist.domains.spec import DomainSpec, Feature, Field, Kind, Service, needs

F = Feature
# Home Assistant services left out on purpose: the language model is offered every service
# a device has, and these would widen its choices for little use by voice (media_player's
# play_media, media_seek, join, unjoin, clear_playlist; vacuum's send_command; climate's
# set_aux_heat, gone from Home Assistant; cover's toggle_cover_tilt). Their features are
# still read (``features.FEATURE_BITS``).
_HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
_TRANSITION = Field("transition", Kind.FLOAT, 0, 300, "s")
_LIGHT_TRANSITION = Field("transition", Kind.FLOAT, 0, 300, "s", feature=F.TRANSITION)
_FLASH = Field("flash", Kind.ENUM, choices=("short", "long"), feature=F.FLASH)
_ONOFF = ("turn_on", "turn_off", "toggle")
_services = services


def _pct(key: str, *, required: bool = False, lo: float = 0) -> Field:
    return Field(key, Kind.INT, lo, 100, "%", required=required)


_LIGHT_ON = Service(
    "turn_on",
    (
        Field("brightness_pct", Kind.INT, 0, 100, "%", feature=Feature.BRIGHTNESS),
        Field("brightness", Kind.INT, 0, 255, feature=Feature.BRIGHTNESS),
        Field("brightness_step_pct", Kind.INT, -100, 100, "%", feature=Feature.BRIGHTNESS),
        Field("brightness_step", Kind.INT, -255, 255, feature=Feature.BRIGHTNESS),
        Field("rgb_color", Kind.RGB, feature=Feature.COLOR),
        Field("hs_color", Kind.PAIR, 0, 360, feature=Feature.COLOR),
        Field("xy_color", Kind.PAIR, 0, 1, feature=Feature.COLOR),
        Field("color_name", Kind.STR, feature=Feature.COLOR),
        Field(
            "color_temp_kelvin",
            Kind.INT,
            1000,
            40000,
            "K",
            range_attrs=("min_color_temp_kelvin", "max_color_temp_kelvin"),
            feature=Feature.COLOR_TEMP,
        ),
        Field("effect", Kind.STR, feature=F.EFFECT),
        _FLASH,
        _LIGHT_TRANSITION,
    ),
    exclusive=(
        frozenset({"brightness_pct", "brightness", "brightness_step_pct", "brightness_step"}),
        frozenset({"rgb_color", "hs_color", "xy_color", "color_name", "color_temp_kelvin"}),
    ),
)

_POSITION = Field("position", Kind.INT, 0, 100, "%", required=True)
_TEMPERATURE = Field(
    "temperature",
    Kind.FLOAT,
    7,
    35,
    "°C",
    range_attrs=("min_temp", "max_temp"),
    feature=F.TARGET_TEMPERATURE,
)


def _temperature_bound(key: str) -> Field:
    return Field(
        key,
        Kind.FLOAT,
        7,
        35,
        "°C",
        range_attrs=("min_temp", "max_temp"),
        feature=F.TARGET_TEMPERATURE_RANGE,
    )


def _mode(key: str, listed: str) -> Field:
    """A required mode chosen from the device's own list (``preset_modes``)."""
    return Field(key, Kind.ENUM, choices_attr=listed, required=True)


_ON = Service("turn_on", needs=needs(F.TURN_ON))
_OFF = Service("turn_off", needs=needs(F.TURN_OFF))

_SPECS: tuple[DomainSpec, ...] = (
    DomainSpec(
        "light",
        _services(
            _LIGHT_ON,
            Service("turn_off", (_LIGHT_TRANSITION, _FLASH)),
            "toggle",
        ),
        attributes=("brightness", "color_temp_kelvin", "rgb_color", "supported_color_modes"),
    ),
    DomainSpec("switch", _services(*_ONOFF), frozenset({"outlet", "switch"})),
    DomainSpec("input_boolean", _services(*_ONOFF)),
    DomainSpec(
        "fan",
        _services(
            Service(
                "turn_on",
                (
                    Field("percentage", Kind.INT, 0, 100, "%", feature=F.SET_SPEED),
                    Field("preset_mode", Kind.ENUM, choices_attr="preset_modes"),
                ),
                needs=needs(F.TURN_ON),
            ),
            _OFF,
            Service("toggle", needs=needs(F.TURN_OFF, F.TURN_ON)),
            Service(
                "set_percentage", (_pct("percentage", required=True),), needs=needs(F.SET_SPEED)
            ),
            *(
                Service(
                    name,
                    (Field("percentage_step", Kind.INT, 0, 100, "%"),),
                    needs=needs(F.SET_SPEED),
                )
                for name in ("increase_speed", "decrease_speed")
            ),
            Service(
                "oscillate",
                (Field("oscillating", Kind.BOOL, required=True),),
                needs=needs(F.OSCILLATE),
            ),
            Service(
                "set_direction",
                (Field("direction", Kind.ENUM, choices=("forward", "reverse"), required=True),),
                needs=needs(F.DIRECTION),
            ),
            Service(
                "set_preset_mode",
                (_mode("preset_mode", "preset_modes"),),
                needs=needs(F.SET_SPEED, F.PRESET_MODE),
            ),
        ),
        attributes=("percentage", "preset_mode", "oscillating"),
    ),
    DomainSpec(
        "cover",
        _services(
            Service("open_cover", needs=needs(F.OPEN)),
            Service("close_cover", needs=needs(F.CLOSE)),
            Service("stop_cover", needs=needs(F.STOP)),
            Service("toggle", needs=needs((F.OPEN, F.CLOSE))),
            Service("set_cover_position", (_POSITION,), needs=needs(F.POSITION)),
            Service("open_cover_tilt", needs=needs(F.OPEN_TILT)),
            Service("close_cover_tilt", needs=needs(F.CLOSE_TILT)),
            Service("stop_cover_tilt", needs=needs(F.STOP_TILT)),
            Service(
                "set_cover_tilt_position",
                (Field("tilt_position", Kind.INT, 0, 100, "%", required=True),),
                needs=needs(F.TILT_POSITION),
            ),
        ),
        frozenset(
            {
                "awning",
                "blind",
                "curtain",
                "damper",
                "door",
                "garage",
                "gate",
                "shade",
                "shutter",
                "window",
            }
        ),
        attributes=("current_position", "current_tilt_position"),
    ),
    DomainSpec(
        "valve",
        _services(
            Service("open_valve", needs=needs(F.OPEN)),
            Service("close_valve", needs=needs(F.CLOSE)),
            Service("stop_valve", needs=needs(F.STOP)),
            Service("toggle", needs=needs((F.OPEN, F.CLOSE))),
            Service("set_valve_position", (_POSITION,), needs=needs(F.POSITION)),
        ),
        frozenset({"water", "gas"}),
        attributes=("current_position",),
    ),
    DomainSpec(
        "climate",
        _services(
            Service(
                "set_temperature",
                (
                    _TEMPERATURE,
                    _temperature_bound("target_temp_high"),
                    _temperature_bound("target_temp_low"),
                    Field("hvac_mode", Kind.ENUM, choices=_HVAC_MODES, choices_attr="hvac_modes"),
                ),
                needs=needs(F.TARGET_TEMPERATURE, F.TARGET_TEMPERATURE_RANGE),
            ),
            Service(
                "set_hvac_mode",
                (
                    Field(
                        "hvac_mode",
                        Kind.ENUM,
                        choices=_HVAC_MODES,
                        choices_attr="hvac_modes",
                        required=True,
                    ),
                ),
            ),
            Service("set_fan_mode", (_mode("fan_mode", "fan_modes"),), needs=needs(F.FAN_MODE)),
            Service(
                "set_preset_mode",
                (_mode("preset_mode", "preset_modes"),),
                needs=needs(F.PRESET_MODE),
            ),
            Service(
                "set_swing_mode", (_mode("swing_mode", "swing_modes"),), needs=needs(F.SWING_MODE)
            ),
            Service(
                "set_swing_horizontal_mode",
                (_mode("swing_horizontal_mode", "swing_horizontal_modes"),),
                needs=needs(F.SWING_HORIZONTAL_MODE),
            ),
            Service(
                "set_humidity",
                (
                    Field(
                        "humidity",
                        Kind.INT,
                        30,
                        99,
                        "%",
                        range_attrs=("min_humidity", "max_humidity"),
                        required=True,
                    ),
                ),
                needs=needs(F.TARGET_HUMIDITY),
            ),
            _ON,
            _OFF,
            Service("toggle", needs=needs(F.TURN_OFF, F.TURN_ON)),
        ),
        attributes=("temperature", "current_temperature", "hvac_modes", "current_humidity"),
    ),
    DomainSpec(
        "lock",
        _services(
            Service("lock", (Field("code", Kind.STR),)),
            Service("unlock", (Field("code", Kind.STR),)),
            Service("open", (Field("code", Kind.STR),), needs=needs(F.OPEN)),
        ),
    ),
    DomainSpec(
        "media_player",
        _services(
            _ON,
            _OFF,
            Service("toggle", needs=needs((F.TURN_OFF, F.TURN_ON))),
            Service("media_play", needs=needs(F.PLAY)),
            Service("media_pause", needs=needs(F.PAUSE)),
            Service("media_play_pause", needs=needs((F.PLAY, F.PAUSE))),
            Service("media_stop", needs=needs(F.STOP)),
            Service("media_next_track", needs=needs(F.NEXT_TRACK)),
            Service("media_previous_track", needs=needs(F.PREVIOUS_TRACK)),
            Service("volume_up", needs=needs(F.VOLUME_SET, F.VOLUME_STEP)),
            Service("volume_down", needs=needs(F.VOLUME_SET, F.VOLUME_STEP)),
            Service(
                "volume_set",
                (Field("volume_level", Kind.FLOAT, 0, 1, required=True),),
                needs=needs(F.VOLUME_SET),
            ),
            Service(
                "volume_mute",
                (Field("is_volume_muted", Kind.BOOL, required=True),),
                needs=needs(F.VOLUME_MUTE),
            ),
            Service(
                "select_source", (_mode("source", "source_list"),), needs=needs(F.SELECT_SOURCE)
            ),
            Service(
                "select_sound_mode",
                (_mode("sound_mode", "sound_mode_list"),),
                needs=needs(F.SELECT_SOUND_MODE),
            ),
            Service(
                "shuffle_set",
                (Field("shuffle", Kind.BOOL, required=True),),
                needs=needs(F.SHUFFLE_SET),
            ),
            Service(
                "repeat_set",
                (Field("repeat", Kind.ENUM, choices=("off", "all", "one"), required=True),),
                needs=needs(F.REPEAT_SET),
            ),
        ),
        frozenset({"tv", "speaker", "receiver"}),
        attributes=("volume_level", "is_volume_muted", "media_title", "source"),
    ),
    DomainSpec(
        "vacuum",
        _services(
            Service("start", needs=needs(F.START)),
            Service("stop", needs=needs(F.STOP)),
            Service("pause", needs=needs(F.PAUSE)),
            Service("return_to_base", needs=needs(F.RETURN_HOME)),
            Service("locate", needs=needs(F.LOCATE)),
            Service("clean_spot", needs=needs(F.CLEAN_SPOT)),
            Service(
                "set_fan_speed",
                (_mode("fan_speed", "fan_speed_list"),),
                needs=needs(F.FAN_SPEED),
            ),
        ),
        attributes=("battery_level", "fan_speed"),
    ),
    DomainSpec("scene", _services(Service("turn_on", (_TRANSITION,)))),
    DomainSpec("script", _services(*_ONOFF)),
    DomainSpec("sensor", {}, SENSOR_CLASSES, attributes=("unit_of_measurement",), value_state=True),
    DomainSpec("binary_sensor", {}, BINARY_SENSOR_CLASSES),
    DomainSpec(
        "todo",
        _services(
            Service(
                "add_item",
                (
                    Field("item", Kind.STR, required=True),
                    Field("due_date", Kind.STR),
                    Field("description", Kind.STR),
                ),
            ),
            Service("remove_item", (Field("item", Kind.ITEMS, required=True),)),
            Service(
                "update_item",
                (
                    Field("item", Kind.STR, required=True),
                    Field("rename", Kind.STR),
                    Field("status", Kind.ENUM, choices=("needs_action", "completed")),
                ),
            ),
            "remove_completed_items",
        ),
    ),
    DomainSpec(
        "alarm_control_panel",
        _services(
            *(
                Service(
                    f"alarm_{name}",
                    (Field("code", Kind.STR),),
                    needs=None if f is None else needs(f),
                )
                for name, f in (
                    ("arm_home", F.ARM_HOME),
                    ("arm_away", F.ARM_AWAY),
                    ("arm_night", F.ARM_NIGHT),
                    ("arm_vacation", F.ARM_VACATION),
                    ("arm_custom_bypass", F.ARM_CUSTOM_BYPASS),
                    ("disarm", None),
                    ("trigger", F.TRIGGER),
                )
            )
        ),
        attributes=("code_arm_required",),
    ),
    DomainSpec(
        "water_heater",
        _services(
            Service(
                "set_temperature",
                (
                    Field(
                        "temperature",
                        Kind.FLOAT,
                        43,
                        60,
                        "°C",
                        range_attrs=("min_temp", "max_temp"),
                        required=True,
                    ),
                    Field(
                        "operation_mode",
                        Kind.ENUM,
                        choices_attr="operation_list",
                        feature=F.OPERATION_MODE,
                    ),
                ),
                needs=needs(F.TARGET_TEMPERATURE),
            ),
            Service(
                "set_operation_mode",
                (_mode("operation_mode", "operation_list"),),
                needs=needs(F.OPERATION_MODE),
            ),
            Service(
                "set_away_mode",
                (Field("away_mode", Kind.BOOL, required=True),),
                needs=needs(F.AWAY_MODE),
            ),
            Service("turn_on", needs=needs(F.ON_OFF)),
            Service("turn_off", needs=needs(F.ON_OFF)),
        ),
        attributes=("temperature", "current_temperature", "operation_mode"),
    ),
    DomainSpec(
        "humidifier",
        _services(
            *_ONOFF,
            Service(
                "set_humidity",
                (
                    Field(
                        "humidity",
                        Kind.INT,
                        0,
                        100,
                        "%",
                        range_attrs=("min_humidity", "max_humidity"),
                        required=True,
                    ),
                ),
            ),
            Service("set_mode", (_mode("mode", "available_modes"),), needs=needs(F.MODES)),
        ),
        frozenset({"humidifier", "dehumidifier"}),
        attributes=("humidity", "current_humidity", "mode"),
    ),
)

DOMAINS: Mapping[str, DomainSpec] = {spec.domain: spec for spec in (*_SPECS, *FOREIGN_SPECS)}
"""Every domain hausgeist knows, by name: the ones it acts on, then Home Assistant's others."""

CONTRACT_DOMAINS = frozenset(spec.domain for spec in _SPECS)
"""The domains hausgeist's understanding acts on."""

__all__ = [
    "CONTRACT_DOMAINS",
    "DOMAINS",
    "WHOLE_COVER_CLASSES",
    "device_features",
    "domain_spec",
]


def domain_spec(domain: str) -> DomainSpec | None:
    """The spec of ``domain``, or None when hausgeist does not know it."""
    return DOMAINS.get(domain)
