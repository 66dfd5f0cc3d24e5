"""Home Assistant's other domains: entities a home has besides the ones hausgeist acts on by
voice (weather, people, the sun, buttons, helpers...). They are kept so that a home loads as
Home Assistant has it; the ones whose service is plain get Home Assistant's own services
(``button.press``, ``number.set_value``...), the rest can only be read."""

from __future__ import annotations

from collections.abc import Mapping

from hausgeist.domains.spec import DomainSpec, Feature, Field, Kind, Service, needs


def services(*items: Service | str) -> Mapping[str, Service]:
    """A domain's services by name; a bare name is a service that takes no data."""
    built = [s if isinstance(s, Service) else Service(s) for s in items]
    return {s.name: s for s in built}


def _set_value(kind: Kind, range_attrs: tuple[str, str] | None = None) -> Service:
    return Service("set_value", (Field("value", kind, required=True, range_attrs=range_attrs),))


_PRESS = services("press")
_NUMBER = Service(  # Home Assistant's default range is 0-100; entities report their own
    "set_value", (Field("value", Kind.FLOAT, 0, 100, required=True, range_attrs=("min", "max")),)
)
_SELECT = services(
    Service("select_option", (Field("option", Kind.ENUM, choices_attr="options", required=True),)),
    "select_first",
    "select_last",
    *(Service(name, (Field("cycle", Kind.BOOL),)) for name in ("select_next", "select_previous")),
)
_SIREN = services(
    Service(
        "turn_on",
        (
            Field("tone", Kind.ENUM, choices_attr="available_tones", feature=Feature.TONES),
            Field("duration", Kind.INT, 0, None, "s", feature=Feature.DURATION),
            Field("volume_level", Kind.FLOAT, 0, 1, feature=Feature.VOLUME_SET),
        ),
        needs=needs(Feature.TURN_ON),
    ),
    Service("turn_off", needs=needs(Feature.TURN_OFF)),
    Service("toggle", needs=needs((Feature.TURN_ON, Feature.TURN_OFF))),
)


def _acts(domain: str, offered: Mapping[str, Service], *, value_state: bool = True) -> DomainSpec:
    return DomainSpec(domain, offered, contract=False, value_state=value_state)


def _reads(domain: str, *attributes: str, value_state: bool = False) -> DomainSpec:
    return DomainSpec(domain, {}, attributes=attributes, contract=False, value_state=value_state)


FOREIGN_SPECS: tuple[DomainSpec, ...] = (
    # with services (a button's state is the time it was last pressed)
    _acts("button", _PRESS),
    _acts("input_button", _PRESS),
    _acts("number", services(_NUMBER)),
    _acts("input_number", services(_NUMBER, "increment", "decrement")),
    _acts("select", _SELECT),
    _acts("input_select", _SELECT),
    _acts("text", services(_set_value(Kind.STR))),
    _acts("input_text", services(_set_value(Kind.STR))),
    _acts(
        "counter",
        services("increment", "decrement", "reset", _set_value(Kind.INT, ("minimum", "maximum"))),
    ),
    _acts(
        "timer",
        services(Service("start", (Field("duration", Kind.STR),)), "pause", "cancel", "finish"),
        value_state=False,
    ),
    _acts("siren", _SIREN, value_state=False),
    # read only: kept for questions
    _reads("weather", "temperature", "humidity", "wind_speed", "pressure", "temperature_unit"),
    _reads("person", "source"),
    _reads("device_tracker", "source_type"),
    _reads("sun", "next_rising", "next_setting", "elevation"),
    _reads("zone", "latitude", "longitude", "radius"),
    _reads("calendar", "message", "start_time", "end_time"),
    _reads("camera"),
    _reads("event", "event_type", value_state=True),
    _reads("image", value_state=True),
    _reads("notify", value_state=True),
    _reads("update", "installed_version", "latest_version"),
    _reads("date", value_state=True),
    _reads("time", value_state=True),
    _reads("datetime", value_state=True),
    _reads("input_datetime", value_state=True),
    _reads("schedule"),
    _reads("automation", "last_triggered"),
    _reads("group"),
    _reads("remote"),
    _reads("lawn_mower"),
    _reads("alert"),
    _reads("plant"),
    _reads("air_quality", value_state=True),
    _reads("geo_location", value_state=True),
    _reads("image_processing", value_state=True),
    _reads("assist_satellite"),
    _reads("conversation", value_state=True),
    _reads("stt", value_state=True),
    _reads("tts", value_state=True),
    _reads("wake_word", value_state=True),
    _reads("ai_task", value_state=True),
)
"""Home Assistant's entity domains outside hausgeist's contract."""
