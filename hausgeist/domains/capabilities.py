"""The capability tables: for every domain, the services Home Assistant offers,
their data keys, types, units and ranges, and the device classes that change them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hausgeist.domains.spec import DomainSpec, Feature, Field, Kind, Service

_HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
_TRANSITION = Field("transition", Kind.FLOAT, 0, 300, "s")
_ONOFF = ("turn_on", "turn_off", "toggle")
# Covers of these classes go up and down as a whole; position only if they report one.
_WHOLE_COVERS = frozenset({"garage", "door", "gate"})


def _services(*services: Service | str) -> Mapping[str, Service]:
    built = [s if isinstance(s, Service) else Service(s) for s in services]
    return {s.name: s for s in built}


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
        Field("effect", Kind.STR),
        Field("flash", Kind.ENUM, choices=("short", "long")),
        _TRANSITION,
    ),
    exclusive=(
        frozenset({"brightness_pct", "brightness", "brightness_step_pct", "brightness_step"}),
        frozenset({"rgb_color", "hs_color", "xy_color", "color_name", "color_temp_kelvin"}),
    ),
)

_COVER_POSITION = Field("position", Kind.INT, 0, 100, "%", required=True)
_VALVE_POSITION = Field("position", Kind.INT, 0, 100, "%", required=True)
_TEMPERATURE = Field("temperature", Kind.FLOAT, 7, 35, "°C", range_attrs=("min_temp", "max_temp"))

_SPECS: tuple[DomainSpec, ...] = (
    DomainSpec(
        "light",
        _services(
            _LIGHT_ON,
            Service(
                "turn_off", (_TRANSITION, Field("flash", Kind.ENUM, choices=("short", "long")))
            ),
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
                    _pct("percentage"),
                    Field("preset_mode", Kind.ENUM, choices_attr="preset_modes"),
                ),
            ),
            "turn_off",
            "toggle",
            Service("set_percentage", (_pct("percentage", required=True),)),
            Service("increase_speed", (Field("percentage_step", Kind.INT, 0, 100, "%"),)),
            Service("decrease_speed", (Field("percentage_step", Kind.INT, 0, 100, "%"),)),
            Service("oscillate", (Field("oscillating", Kind.BOOL, required=True),)),
            Service(
                "set_direction",
                (Field("direction", Kind.ENUM, choices=("forward", "reverse"), required=True),),
            ),
            Service(
                "set_preset_mode",
                (Field("preset_mode", Kind.ENUM, choices_attr="preset_modes", required=True),),
            ),
        ),
        attributes=("percentage", "preset_mode", "oscillating"),
    ),
    DomainSpec(
        "cover",
        _services(
            "open_cover",
            "close_cover",
            "stop_cover",
            "toggle",
            Service("set_cover_position", (_COVER_POSITION,), feature=Feature.POSITION),
            Service("open_cover_tilt", feature=Feature.TILT),
            Service("close_cover_tilt", feature=Feature.TILT),
            Service("stop_cover_tilt", feature=Feature.TILT),
            Service(
                "set_cover_tilt_position",
                (Field("tilt_position", Kind.INT, 0, 100, "%", required=True),),
                feature=Feature.TILT,
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
            "open_valve",
            "close_valve",
            "stop_valve",
            "toggle",
            Service("set_valve_position", (_VALVE_POSITION,), feature=Feature.POSITION),
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
                    Field(
                        "target_temp_high",
                        Kind.FLOAT,
                        7,
                        35,
                        "°C",
                        range_attrs=("min_temp", "max_temp"),
                    ),
                    Field(
                        "target_temp_low",
                        Kind.FLOAT,
                        7,
                        35,
                        "°C",
                        range_attrs=("min_temp", "max_temp"),
                    ),
                    Field("hvac_mode", Kind.ENUM, choices=_HVAC_MODES, choices_attr="hvac_modes"),
                ),
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
            Service(
                "set_fan_mode",
                (Field("fan_mode", Kind.ENUM, choices_attr="fan_modes", required=True),),
            ),
            Service(
                "set_preset_mode",
                (Field("preset_mode", Kind.ENUM, choices_attr="preset_modes", required=True),),
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
            ),
            "turn_on",
            "turn_off",
            "toggle",
        ),
        attributes=("temperature", "current_temperature", "hvac_modes", "current_humidity"),
    ),
    DomainSpec(
        "lock",
        _services(
            Service("lock", (Field("code", Kind.STR),)),
            Service("unlock", (Field("code", Kind.STR),)),
            Service("open", (Field("code", Kind.STR),)),
        ),
    ),
    DomainSpec(
        "media_player",
        _services(
            "turn_on",
            "turn_off",
            "toggle",
            "media_play",
            "media_pause",
            "media_play_pause",
            "media_stop",
            "media_next_track",
            "media_previous_track",
            "volume_up",
            "volume_down",
            Service("volume_set", (Field("volume_level", Kind.FLOAT, 0, 1, required=True),)),
            Service("volume_mute", (Field("is_volume_muted", Kind.BOOL, required=True),)),
            Service(
                "select_source",
                (Field("source", Kind.ENUM, choices_attr="source_list", required=True),),
            ),
            Service("shuffle_set", (Field("shuffle", Kind.BOOL, required=True),)),
            Service(
                "repeat_set",
                (Field("repeat", Kind.ENUM, choices=("off", "all", "one"), required=True),),
            ),
        ),
        frozenset({"tv", "speaker", "receiver"}),
        attributes=("volume_level", "is_volume_muted", "media_title", "source"),
    ),
    DomainSpec(
        "vacuum",
        _services(
            "start",
            "stop",
            "pause",
            "return_to_base",
            "locate",
            "clean_spot",
            Service(
                "set_fan_speed",
                (Field("fan_speed", Kind.ENUM, choices_attr="fan_speed_list", required=True),),
            ),
        ),
        attributes=("battery_level", "fan_speed"),
    ),
    DomainSpec("scene", _services(Service("turn_on", (_TRANSITION,)))),
    DomainSpec("script", _services(*_ONOFF)),
    DomainSpec(
        "sensor",
        {},
        frozenset(
            {
                "apparent_power",
                "aqi",
                "area",
                "atmospheric_pressure",
                "battery",
                "blood_glucose_concentration",
                "carbon_dioxide",
                "carbon_monoxide",
                "conductivity",
                "current",
                "data_rate",
                "data_size",
                "date",
                "distance",
                "duration",
                "energy",
                "energy_distance",
                "energy_storage",
                "enum",
                "frequency",
                "gas",
                "humidity",
                "illuminance",
                "irradiance",
                "moisture",
                "monetary",
                "nitrogen_dioxide",
                "nitrogen_monoxide",
                "nitrous_oxide",
                "ozone",
                "ph",
                "pm1",
                "pm10",
                "pm25",
                "pm4",
                "power",
                "power_factor",
                "precipitation",
                "precipitation_intensity",
                "pressure",
                "reactive_energy",
                "reactive_power",
                "signal_strength",
                "sound_pressure",
                "speed",
                "sulphur_dioxide",
                "temperature",
                "timestamp",
                "volatile_organic_compounds",
                "volatile_organic_compounds_parts",
                "voltage",
                "volume",
                "volume_flow_rate",
                "volume_storage",
                "water",
                "weight",
                "wind_direction",
                "wind_speed",
            }
        ),
        attributes=("unit_of_measurement",),
    ),
    DomainSpec(
        "binary_sensor",
        {},
        frozenset(
            {
                "battery",
                "battery_charging",
                "carbon_monoxide",
                "cold",
                "connectivity",
                "door",
                "garage_door",
                "gas",
                "heat",
                "light",
                "lock",
                "moisture",
                "motion",
                "moving",
                "occupancy",
                "opening",
                "plug",
                "power",
                "presence",
                "problem",
                "running",
                "safety",
                "smoke",
                "sound",
                "tamper",
                "update",
                "vibration",
                "window",
            }
        ),
    ),
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
                Service(name, (Field("code", Kind.STR),))
                for name in (
                    "alarm_arm_home",
                    "alarm_arm_away",
                    "alarm_arm_night",
                    "alarm_arm_vacation",
                    "alarm_arm_custom_bypass",
                    "alarm_disarm",
                    "alarm_trigger",
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
                    Field("operation_mode", Kind.ENUM, choices_attr="operation_list"),
                ),
            ),
            Service(
                "set_operation_mode",
                (Field("operation_mode", Kind.ENUM, choices_attr="operation_list", required=True),),
            ),
            Service("set_away_mode", (Field("away_mode", Kind.BOOL, required=True),)),
            "turn_on",
            "turn_off",
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
            Service(
                "set_mode",
                (Field("mode", Kind.ENUM, choices_attr="available_modes", required=True),),
            ),
        ),
        frozenset({"humidifier", "dehumidifier"}),
        attributes=("humidity", "current_humidity", "mode"),
    ),
)

DOMAINS: Mapping[str, DomainSpec] = {spec.domain: spec for spec in _SPECS}
"""Every domain hausgeist understands, by name."""

WHOLE_COVER_CLASSES = _WHOLE_COVERS


def domain_spec(domain: str) -> DomainSpec | None:
    """The spec of ``domain``, or None when hausgeist does not know it."""
    return DOMAINS.get(domain)


def device_features(
    domain: str, device_class: str | None, attributes: Mapping[str, object]
) -> frozenset[Feature]:
    """The optional features a device has, read from its attributes as Home Assistant reports them.

    A device that says nothing about a feature is given the benefit of the doubt, except
    where Home Assistant's own default is "no" (whole covers without a position, valves
    that report no position)."""
    if domain == "light":
        return _light_features(attributes.get("supported_color_modes"))
    if domain == "cover":
        found: set[Feature] = set()
        if "current_position" in attributes or device_class not in _WHOLE_COVERS:
            found.add(Feature.POSITION)
        if "current_tilt_position" in attributes:
            found.add(Feature.TILT)
        return frozenset(found)
    if domain == "valve":
        return frozenset({Feature.POSITION}) if "current_position" in attributes else frozenset()
    return frozenset()


def _light_features(modes: object) -> frozenset[Feature]:
    if not isinstance(modes, Iterable) or isinstance(modes, str | bytes):
        return frozenset({Feature.BRIGHTNESS, Feature.COLOR, Feature.COLOR_TEMP})
    mode_set = {str(m) for m in modes}
    found: set[Feature] = set()
    if mode_set - {"onoff"}:
        found.add(Feature.BRIGHTNESS)
    if mode_set & {"hs", "rgb", "rgbw", "rgbww", "xy"}:
        found.add(Feature.COLOR)
    if "color_temp" in mode_set:
        found.add(Feature.COLOR_TEMP)
    return frozenset(found)
