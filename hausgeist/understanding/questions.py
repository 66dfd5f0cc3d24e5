"""Questions about the home, answered from known state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import EntityState, StateStore
from hausgeist.domains.attributes import LARGEST
from hausgeist.understanding.household import Household
from hausgeist.understanding.intents import detect
from hausgeist.understanding.replies import describe
from hausgeist.understanding.resolve import Context, Outcome, Resolver

QUESTION_WORDS = frozenset(
    {
        "is",
        "are",
        "what",
        "which",
        "how",
        "does",
        "do",
        "did",
        "was",
        "were",
        "who",
        "any",
        "has",
        "have",
        "tell",
        "whats",
        "show",
        "list",
        "check",
        "when",
    }
)


def looks_like_question(tokens: list[str]) -> bool:
    """Whether ``tokens`` ask about the home rather than for an action ("is the lamp on",
    not "can you turn on the lamp")."""
    if tokens[0] not in QUESTION_WORDS:
        return False
    intent = detect(tokens)
    return intent is None or not intent.indirect


# Asked-about condition -> (domains it applies to, test on a state).
_OPEN_CLASSES = {"door", "window", "opening", "garage_door"}


def _item_text(item: object) -> str:
    if isinstance(item, dict):
        return str(item.get("summary", item.get("name", "")))
    return str(item)


def _readable(value: object) -> bool:
    """A reading worth saying: a known text, or a number small enough to say and scale
    (a device's broken report can hold a list, ``nan`` or 1e400)."""
    if isinstance(value, str):
        return value not in {"", "unknown", "unavailable"}
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) <= LARGEST  # False for nan and inf; exact for integers of any size
    )


def _open_item(item: object) -> bool:
    return not (isinstance(item, dict) and item.get("status") == "completed")


def _did_as_is(words: list[str]) -> list[str]:
    """``did I lock the back door`` -> ``is the back door locked``."""
    rest = [w for w in words[1:] if w not in {"i", "we", "you", "someone", "anyone"}]
    if rest and rest[0] in _DID:
        return ["is", *rest[1:], _DID[rest[0]]]
    if rest[:2] in (["turn", "off"], ["switch", "off"]) or (
        rest and rest[0] == "leave" and rest[-1] == "on"
    ):
        state = "off" if rest[1:2] == ["off"] else "on"
        return ["is", *[w for w in rest[1:] if w not in {"off", "on", "leave"}], state]
    return words


def _is_on(device: Device, state: EntityState) -> bool:
    value = (state.state or "").casefold()
    if device.domain == "media_player":
        return value not in {"off", "standby", "unavailable", "unknown", ""}
    if device.domain == "climate":
        return value not in {"off", "unavailable", "unknown", ""}
    if device.domain == "vacuum":
        return value in {"cleaning", "returning"}
    return value == "on"


def _is_open(device: Device, state: EntityState) -> bool:
    value = (state.state or "").casefold()
    if device.domain == "binary_sensor":
        return value == "on"
    if device.domain == "lock":
        return value in {"unlocked", "open", "opening", "unlocking"}
    return value in {"open", "opening"}


@dataclass(frozen=True)
class _Condition:
    words: frozenset[str]
    domains: frozenset[str] | None
    test: Callable[[Device, EntityState], bool]
    label: str
    opposite: str


def _c(
    words: str,
    domains: str | None,
    test: Callable[[Device, EntityState], bool],
    label: str,
    opposite: str,
) -> _Condition:
    return _Condition(
        frozenset(words.split()),
        frozenset(domains.split()) if domains else None,
        test,
        label,
        opposite,
    )


def _state_in(*values: str) -> Callable[[Device, EntityState], bool]:
    return lambda _d, s: (s.state or "").casefold() in values


_CONDITIONS: tuple[_Condition, ...] = (
    _c("locked", "lock", _state_in("locked"), "locked", "unlocked"),
    _c("unlocked", "lock", _state_in("unlocked", "open"), "unlocked", "locked"),
    _c("open opened", "cover valve binary_sensor lock", _is_open, "open", "closed"),
    _c(
        "closed shut",
        "cover valve binary_sensor lock",
        lambda d, s: not _is_open(d, s),
        "closed",
        "open",
    ),
    _c("playing", "media_player", _state_in("playing"), "playing", "not playing"),
    _c("paused", "media_player", _state_in("paused"), "paused", "not paused"),
    _c(
        "armed",
        "alarm_control_panel",
        lambda _d, s: (s.state or "").startswith("armed"),
        "armed",
        "disarmed",
    ),
    _c("disarmed", "alarm_control_panel", _state_in("disarmed"), "disarmed", "armed"),
    _c("cleaning", "vacuum", _state_in("cleaning"), "cleaning", "not cleaning"),
    _c("docked charging", "vacuum", _state_in("docked"), "docked", "not docked"),
    _c("on running", None, _is_on, "on", "off"),
    _c("off", None, lambda d, s: not _is_on(d, s), "off", "on"),
)


@dataclass(frozen=True)
class _Measure:
    """A quantity people ask about, and where it is read."""

    label: str
    classes: frozenset[str]
    """Sensor device classes that report it."""
    attribute: str | None = None
    """Attribute of other devices that reports it (``current_temperature`` of a thermostat)."""
    unit: str = ""
    scale: float = 1.0


def _m(
    label: str, classes: str, attribute: str | None = None, unit: str = "", scale: float = 1.0
) -> _Measure:
    return _Measure(label, frozenset(classes.split()), attribute, unit, scale)


_TEMPERATURE = _m("temperature", "temperature", "current_temperature", "°C")
_HUMIDITY = _m("humidity", "humidity", "current_humidity", "%")
_POWER = _m("power", "power", None, "W")
_ENERGY = _m("energy", "energy", None, "kWh")
_MEASURES: dict[str, _Measure] = {
    "temperature": _TEMPERATURE,
    "warm": _TEMPERATURE,
    "cold": _TEMPERATURE,
    "hot": _TEMPERATURE,
    "humidity": _HUMIDITY,
    "humid": _HUMIDITY,
    "power": _POWER,
    "watts": _POWER,
    "watt": _POWER,
    "energy": _ENERGY,
    "kwh": _ENERGY,
    "electricity": _ENERGY,
    "battery": _m("battery", "battery", "battery_level", "%"),
    "volume": _m("volume", "", "volume_level", "%", 100),
    "brightness": _m("brightness", "", "brightness", "%", 100 / 255),
    "co2": _m("CO2", "carbon_dioxide", None, "ppm"),
    "quality": _m(
        "air quality", "aqi pm25 pm10 volatile_organic_compounds carbon_dioxide", None, ""
    ),
    "far": _m("position", "", "current_position", "%"),
    "position": _m("position", "", "current_position", "%"),
    "pressure": _m("pressure", "pressure atmospheric_pressure", None, "hPa"),
    "illuminance": _m("light level", "illuminance", None, "lx"),
    "lux": _m("light level", "illuminance", None, "lx"),
}
_PRESENCE = frozenset(
    {"anyone", "anybody", "someone", "somebody", "motion", "movement", "occupied", "people"}
)
_DID = {"lock": "locked", "close": "closed", "shut": "closed", "open": "open", "arm": "armed"}


class Questions:
    """Answers yes/no, which/how many, and value questions."""

    def __init__(self, registry: DeviceRegistry, resolver: Resolver) -> None:
        self.registry = registry
        self.resolver = resolver
        self.household = Household(registry)

    def answer(
        self, tokens: Sequence[str], states: StateStore, context: Context
    ) -> tuple[str | None, list[str]]:
        """The reply, or None when the question is not understood; and a trace."""
        words = list(tokens)
        if words[0] == "did":
            words = _did_as_is(words)
        around = self.household.answer(words, states)
        if around is not None:
            return around[0], [around[1]]
        if words[0] == "when":  # only the sun is asked about by when, for now
            return None, ["no question pattern matched"]
        if _PRESENCE & set(words):
            return self._presence(words, states, context)
        if {"list", "groceries", "shopping"} & set(words) or words[:4] == [
            "what",
            "do",
            "we",
            "need",
        ]:
            return self._list(words, states, context)
        measure = next((m for m in _MEASURES if m in words), None)
        if measure is not None and not (
            {"set", "target"} & set(words) and words[0] in {"what", "how"}
        ):
            return self._measure(words, measure, states, context)
        if {"set", "target"} & set(words) and words[0] in {"what", "how"}:
            return self._setpoint(words, states, context)
        if {"what", "which"} & set(words) and {"playing", "song", "track"} & set(words):
            return self._playing(words, states, context)
        condition = next((c for c in _CONDITIONS if c.words & set(words)), None)
        if condition is not None:
            return self._condition(words, condition, states, context)
        if {"playing", "song", "track"} & set(words):
            return self._playing(words, states, context)
        return None, ["no question pattern matched"]

    def _targets(
        self,
        words: list[str],
        fits: Callable[[Device], bool],
        context: Context,
        skip: frozenset[str],
    ) -> tuple[list[Device], str | None, list[str]]:
        rest = [w for w in words if w not in skip and w not in QUESTION_WORDS]
        target = self.resolver.resolve(rest, fits, context)
        if target.outcome is Outcome.FOUND:
            return target.devices, None, target.trace
        if target.outcome is Outcome.AMBIGUOUS:
            return target.candidates, None, target.trace
        if target.outcome in {Outcome.UNKNOWN, Outcome.EMPTY}:
            msg = (
                target.message
                if target.outcome is Outcome.UNKNOWN
                else f"There is no {target.message}."
            )
            return [], msg if msg.endswith(".") else msg + ".", target.trace
        return [], None, target.trace

    def _condition(
        self, words: list[str], cond: _Condition, states: StateStore, context: Context
    ) -> tuple[str | None, list[str]]:
        def fits(d: Device) -> bool:
            if cond.domains is not None and d.domain not in cond.domains:
                return False
            if d.domain == "binary_sensor" and "open" in cond.label + cond.opposite:
                return d.device_class in _OPEN_CLASSES
            return d.domain not in {"sensor", "scene", "script", "todo"}

        devices, problem, trace = self._targets(
            words, fits, context, cond.words | {"any", "anything", "many", "which"}
        )
        if problem is not None:
            return problem, trace
        if not devices:
            return None, trace
        known = [
            d
            for d in devices
            if (states.get(d.entity_id).state or "unknown") not in {"unknown", "unavailable"}
        ]
        if not known:
            what = describe([d.entity_id for d in devices], self.registry)
            return f"I don't know whether {what} is {cond.label}.", trace
        devices = known
        matching = [d for d in devices if cond.test(d, states.get(d.entity_id))]
        listing = {"which", "any", "anything", "many", "what"} & set(words) or len(devices) > 1
        if not listing:
            device = devices[0]
            yes = bool(matching)
            label = cond.label if yes else cond.opposite
            return (
                f"{'Yes' if yes else 'No'}, {describe([device.entity_id], self.registry)} is {label}.",
                trace,
            )
        if not matching:
            return (
                f"No, none of {describe([d.entity_id for d in devices], self.registry)} are {cond.label}.",
                trace,
            )
        names = ", ".join(self._label(d, devices) for d in matching)
        verb = "is" if len(matching) == 1 else "are"
        count = f"{len(matching)} of {len(devices)}" if "many" in words else str(len(matching))
        return f"{count} {verb} {cond.label}: {names}.", trace

    def _measure(
        self, words: list[str], measure: str, states: StateStore, context: Context
    ) -> tuple[str | None, list[str]]:
        spec = _MEASURES[measure]

        def fits(d: Device) -> bool:
            if d.domain == "sensor":
                return d.device_class in spec.classes
            return (
                spec.attribute is not None and spec.attribute in states.get(d.entity_id).attributes
            )

        skip = frozenset(_MEASURES) | {
            "it",
            "level",
            "using",
            "used",
            "consuming",
            "today",
            "now",
            "much",
        }
        devices, problem, trace = self._targets(words, fits, context, skip)
        if problem is not None:
            return problem, trace
        sensors = [d for d in devices if d.domain == "sensor"] or devices
        readings = [
            r for d in sensors[:6] if (r := self._reading(d, spec, states, sensors)) is not None
        ]
        if not readings:
            return (f"I don't know the {spec.label} there." if devices else None), trace
        return "The " + "; the ".join(readings) + ".", trace

    def _reading(
        self, device: Device, spec: _Measure, states: StateStore, among: list[Device]
    ) -> str | None:
        state = states.get(device.entity_id)
        value = (
            state.state if device.domain == "sensor" else state.attributes.get(spec.attribute or "")
        )
        if not _readable(value):
            return None
        if spec.scale != 1.0 and isinstance(value, int | float):
            value = round(float(value) * spec.scale)
        unit = state.attributes.get("unit_of_measurement") if device.domain == "sensor" else None
        unit = unit if isinstance(unit, str) else spec.unit
        label = self._label(device, among)
        what = spec.label if device.domain != "sensor" else ""
        text = f"{label} {what} is {value} {unit}".replace(" %", "%").replace("  ", " ")
        return text.strip()

    def _label(self, device: Device, among: Sequence[Device]) -> str:
        """The name, with its room when another device of the list has the same name."""
        same = sum(1 for d in among if d.name.casefold() == device.name.casefold()) > 1
        area = self.registry.areas.get(device.area_id) if device.area_id else None
        if same and area is not None:
            return f"{device.name} in the {area.name}"
        return device.name

    def _list(
        self, words: list[str], states: StateStore, context: Context
    ) -> tuple[str | None, list[str]]:
        skip = frozenset(
            {
                "on",
                "need",
                "buy",
                "get",
                "read",
                "items",
                "item",
                "thing",
                "things",
                "left",
                "shopping",
            }
        )
        devices, problem, trace = self._targets(words, lambda d: d.domain == "todo", context, skip)
        if problem is not None or not devices:
            return problem, trace
        parts = []
        for device in devices[:3]:
            state = states.get(device.entity_id)
            listed = state.attributes.get("items")
            items = (
                [_item_text(i) for i in listed if _open_item(i)] if isinstance(listed, list) else []
            )
            if items:
                parts.append(f"{device.name} has {len(items)}: {', '.join(items)}")
            elif state.state not in {None, "unknown", "unavailable"}:
                parts.append(f"{device.name} has {state.state} open items")
            else:
                parts.append(f"I don't know what is on {device.name}")
        return ". ".join(parts) + ".", trace

    def _presence(
        self, words: list[str], states: StateStore, context: Context
    ) -> tuple[str | None, list[str]]:
        def fits(d: Device) -> bool:
            return d.domain == "binary_sensor" and d.device_class in {
                "motion",
                "occupancy",
                "presence",
            }

        devices, problem, trace = self._targets(
            words, fits, context, _PRESENCE | {"there", "detected"}
        )
        if problem is not None or not devices:
            return problem, trace
        active = [d for d in devices if (states.get(d.entity_id).state or "") == "on"]
        if active:
            return (
                f"Yes, {', '.join(self._label(d, devices) for d in active)} detects someone.",
                trace,
            )
        return (
            f"No, {', '.join(self._label(d, devices) for d in devices[:4])} detects nobody.",
            trace,
        )

    def _setpoint(
        self, words: list[str], states: StateStore, context: Context
    ) -> tuple[str | None, list[str]]:
        devices, problem, trace = self._targets(
            words,
            lambda d: d.domain in {"climate", "water_heater"},
            context,
            frozenset({"set", "target", "temperature"}),
        )
        if problem is not None or not devices:
            return problem, trace
        parts = []
        for device in devices[:4]:
            value = states.get(device.entity_id).attributes.get("temperature")
            parts.append(
                f"{device.name} is set to {value}°"
                if value is not None
                else f"{device.name} has no set point"
            )
        return "; ".join(parts) + ".", trace

    def _playing(
        self, words: list[str], states: StateStore, context: Context
    ) -> tuple[str | None, list[str]]:
        devices, problem, trace = self._targets(
            words,
            lambda d: d.domain == "media_player",
            context,
            frozenset({"playing", "song", "track", "on"}),
        )
        if problem is not None or not devices:
            return problem, trace
        parts = []
        for device in devices[:4]:
            state = states.get(device.entity_id)
            title = state.attributes.get("media_title")
            parts.append(
                f"{device.name} is playing {title}"
                if state.state == "playing" and title
                else f"{device.name} is {state.state or 'in an unknown state'}"
            )
        return "; ".join(parts) + ".", trace
