"""Value types of the capability tables: what a service accepts, declared, not coded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The type of one service data value."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR = "str"
    ENUM = "enum"
    RGB = "rgb"
    """Three integers 0-255."""
    PAIR = "pair"
    """Two numbers (hs_color, xy_color)."""
    ITEMS = "items"
    """A string or a list of strings (todo items, group members)."""


class Feature(StrEnum):
    """Optional abilities a device may lack. Read from Home Assistant's ``supported_features``
    bits when the device reports them (``features.FEATURE_BITS``), else from its other
    attributes, with the benefit of the doubt."""

    # light: from supported_color_modes
    BRIGHTNESS = "brightness"
    COLOR = "color"
    COLOR_TEMP = "color_temp"
    # light: its LightEntityFeature flags
    EFFECT = "effect"
    FLASH = "flash"
    TRANSITION = "transition"
    # cover, valve, lock
    OPEN = "open"
    CLOSE = "close"
    STOP = "stop"
    POSITION = "position"
    OPEN_TILT = "open_tilt"
    CLOSE_TILT = "close_tilt"
    STOP_TILT = "stop_tilt"
    TILT_POSITION = "tilt_position"
    # on and off (climate, fan, media player, siren; water heater: one flag for both)
    TURN_ON = "turn_on"
    TURN_OFF = "turn_off"
    ON_OFF = "on_off"
    # climate, water heater
    TARGET_TEMPERATURE = "target_temperature"
    TARGET_TEMPERATURE_RANGE = "target_temperature_range"
    TARGET_HUMIDITY = "target_humidity"
    FAN_MODE = "fan_mode"
    PRESET_MODE = "preset_mode"
    SWING_MODE = "swing_mode"
    SWING_HORIZONTAL_MODE = "swing_horizontal_mode"
    AUX_HEAT = "aux_heat"
    OPERATION_MODE = "operation_mode"
    AWAY_MODE = "away_mode"
    # fan
    SET_SPEED = "set_speed"
    OSCILLATE = "oscillate"
    DIRECTION = "direction"
    # media player
    PAUSE = "pause"
    PLAY = "play"
    SEEK = "seek"
    VOLUME_SET = "volume_set"
    VOLUME_STEP = "volume_step"
    VOLUME_MUTE = "volume_mute"
    PREVIOUS_TRACK = "previous_track"
    NEXT_TRACK = "next_track"
    PLAY_MEDIA = "play_media"
    SELECT_SOURCE = "select_source"
    SELECT_SOUND_MODE = "select_sound_mode"
    CLEAR_PLAYLIST = "clear_playlist"
    SHUFFLE_SET = "shuffle_set"
    REPEAT_SET = "repeat_set"
    BROWSE_MEDIA = "browse_media"
    GROUPING = "grouping"
    # vacuum
    START = "start"
    RETURN_HOME = "return_home"
    FAN_SPEED = "fan_speed"
    BATTERY = "battery"
    STATUS = "status"
    SEND_COMMAND = "send_command"
    LOCATE = "locate"
    CLEAN_SPOT = "clean_spot"
    MAP = "map"
    STATE = "state"
    # alarm control panel
    ARM_HOME = "arm_home"
    ARM_AWAY = "arm_away"
    ARM_NIGHT = "arm_night"
    ARM_VACATION = "arm_vacation"
    ARM_CUSTOM_BYPASS = "arm_custom_bypass"
    TRIGGER = "trigger"
    # humidifier, siren
    MODES = "modes"
    TONES = "tones"
    DURATION = "duration"

    @property
    def words(self) -> str:
        """How a refusal names it after "reports no": ``target temperature``."""
        return _FEATURE_WORDS.get(self, self.value.replace("_", " "))


_FEATURE_WORDS: Mapping[Feature, str] = {
    Feature.COLOR_TEMP: "color temperature",
    Feature.EFFECT: "effects",
    Feature.TRANSITION: "transitions",
    Feature.OPEN: "way to open",
    Feature.CLOSE: "way to close",
    Feature.STOP: "way to stop",
    Feature.OPEN_TILT: "way to open its tilt",
    Feature.CLOSE_TILT: "way to close its tilt",
    Feature.STOP_TILT: "way to stop its tilt",
    Feature.TURN_ON: "way to turn it on",
    Feature.TURN_OFF: "way to turn it off",
    Feature.ON_OFF: "way to turn it on or off",
    Feature.FAN_MODE: "fan modes",
    Feature.PRESET_MODE: "preset modes",
    Feature.SWING_MODE: "swing modes",
    Feature.SWING_HORIZONTAL_MODE: "horizontal swing modes",
    Feature.AUX_HEAT: "auxiliary heat",
    Feature.OPERATION_MODE: "operation modes",
    Feature.SET_SPEED: "speed",
    Feature.OSCILLATE: "oscillation",
    Feature.PAUSE: "way to pause",
    Feature.PLAY: "way to play",
    Feature.SEEK: "way to seek",
    Feature.VOLUME_SET: "volume level",
    Feature.VOLUME_STEP: "volume steps",
    Feature.VOLUME_MUTE: "mute",
    Feature.PREVIOUS_TRACK: "way to go back a track",
    Feature.NEXT_TRACK: "way to skip a track",
    Feature.PLAY_MEDIA: "way to play media",
    Feature.SELECT_SOURCE: "sources",
    Feature.SELECT_SOUND_MODE: "sound modes",
    Feature.CLEAR_PLAYLIST: "playlist to clear",
    Feature.SHUFFLE_SET: "shuffle",
    Feature.REPEAT_SET: "repeat",
    Feature.BROWSE_MEDIA: "media browsing",
    Feature.START: "way to start",
    Feature.RETURN_HOME: "way to return home",
    Feature.FAN_SPEED: "fan speeds",
    Feature.SEND_COMMAND: "commands",
    Feature.LOCATE: "way to locate it",
    Feature.CLEAN_SPOT: "spot cleaning",
    Feature.ARM_HOME: "home arming",
    Feature.ARM_AWAY: "away arming",
    Feature.ARM_NIGHT: "night arming",
    Feature.ARM_VACATION: "vacation arming",
    Feature.ARM_CUSTOM_BYPASS: "custom bypass arming",
    Feature.TRIGGER: "way to trigger it",
}


@dataclass(frozen=True)
class Needs:
    """The features a service needs, as Home Assistant registers its entity services: any one
    of ``options`` will do, and an option needs every feature in it."""

    options: tuple[frozenset[Feature], ...]

    def met_by(self, features: frozenset[Feature]) -> bool:
        """Whether a device with ``features`` offers what is needed."""
        return any(option <= features for option in self.options)

    def missing(self, features: frozenset[Feature]) -> str:
        """What a device with ``features`` lacks, in words: ``target temperature or target
        temperature range``."""
        gaps = [sorted(option - features) for option in self.options]
        return " or ".join(" and ".join(f.words for f in gap) for gap in gaps if gap)


def needs(*options: Feature | tuple[Feature, ...]) -> Needs:
    """``needs(A, B)``: A or B; ``needs((A, B))``: A and B together."""
    return Needs(tuple(frozenset(o if isinstance(o, tuple) else (o,)) for o in options))


@dataclass(frozen=True)
class Field:
    """One data key a service accepts."""

    key: str
    """Home Assistant's name of the key, e.g. ``brightness_pct``."""
    kind: Kind
    """The value type."""
    minimum: float | None = None
    """Lowest allowed value (numbers), inclusive."""
    maximum: float | None = None
    """Highest allowed value (numbers), inclusive."""
    unit: str | None = None
    """Unit as Home Assistant writes it (``%``, ``°C``, ``K``, ``s``)."""
    choices: tuple[str, ...] = ()
    """Allowed values of an ENUM (when the device lists none of its own)."""
    required: bool = False
    """The service cannot run without it."""
    range_attrs: tuple[str, str] | None = None
    """Entity attributes that narrow the range, e.g. ``("min_temp", "max_temp")``."""
    choices_attr: str | None = None
    """Entity attribute listing the allowed ENUM values, e.g. ``hvac_modes``."""
    feature: Feature | None = None
    """The device must have this feature for the key to be accepted."""


@dataclass(frozen=True)
class Service:
    """One Home Assistant service of a domain."""

    name: str
    """Service name without the domain, e.g. ``turn_on``."""
    fields: tuple[Field, ...] = ()
    """The data keys it accepts."""
    device_classes: frozenset[str] | None = None
    """When set, only devices of these classes offer the service."""
    excluded_classes: frozenset[str] = frozenset()
    """Device classes that never offer it."""
    needs: Needs | None = None
    """The features a device must have to offer the service (None: none)."""
    exclusive: tuple[frozenset[str], ...] = ()
    """Groups of keys of which at most one may be given (as in Home Assistant)."""

    def field(self, key: str) -> Field | None:
        """The field named ``key``, if the service has one."""
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class DomainSpec:
    """Everything hausgeist knows about one Home Assistant domain."""

    domain: str
    """e.g. ``light``."""
    services: Mapping[str, Service]
    """Services by name."""
    device_classes: frozenset[str] = frozenset()
    """Device classes Home Assistant defines for the domain (empty: none, or any)."""
    readable: bool = True
    """Has a state worth answering questions about."""
    attributes: tuple[str, ...] = field(default=())
    """Attributes worth showing and asking about."""
    contract: bool = True
    """One of the domains hausgeist's understanding acts on by voice. The others are Home
    Assistant's domains kept so that a home loads as Home Assistant has it: their services
    are validated and carried out, but the understanding has no rules for them (yet)."""
    value_state: bool = False
    """Its state is a value (a reading, an option, a text, a time), kept as it comes, not a
    word like ``on`` or ``open`` that adapters may fold to lower case."""
