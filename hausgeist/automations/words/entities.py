"""Which device a rule's trigger or condition words name ("the hallway motion sensor",
"motion in the hall", "the lounge temperature", "it"), and what happening to it they say
("opens", "has been on", "drops below 18"), as Home Assistant trigger and condition keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.understanding.text import singular, tokenize

_MOTION_CLASSES = frozenset({"motion", "occupancy", "presence"})
_OPENING_CLASSES = frozenset({"door", "window", "opening", "garage_door", "garage"})
_ON_OFF = frozenset(
    {"light", "switch", "fan", "input_boolean", "humidifier", "media_player", "water_heater"}
)
_CLIMATE_ON = ["heat", "heat_cool", "auto", "cool", "dry", "fan_only"]
_ARMED = ["armed_away", "armed_home", "armed_night", "armed_vacation", "armed_custom_bypass"]

# What happens, as said after the device (longest phrases first), and its kind.
_EVENTS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        (
            (tuple(p.split()), kind)
            for kind, phrases in {
                "motion": (
                    "sees motion",
                    "detects motion",
                    "detects movement",
                    "sees movement",
                    "sees someone",
                    "is triggered",
                    "senses motion",
                    "notices motion",
                ),
                "no_motion": (
                    "has had no motion",
                    "is clear",
                    "stops detecting motion",
                    "sees no motion",
                    "has been clear",
                ),
                "open": (
                    "opens",
                    "is opened",
                    "gets opened",
                    "is open",
                    "has been open",
                    "is left open",
                    "has been opened",
                    "goes open",
                    "open",
                ),
                "closed": (
                    "closes",
                    "is closed",
                    "gets closed",
                    "has been closed",
                    "shuts",
                    "is shut",
                    "closed",
                ),
                "unlocked": (
                    "is unlocked",
                    "gets unlocked",
                    "unlocks",
                    "has been unlocked",
                    "is left unlocked",
                    "unlocked",
                ),
                "locked": ("is locked", "gets locked", "locks", "has been locked", "locked"),
                "playing": ("starts playing", "is playing", "has been playing", "plays"),
                "triggered": ("goes off", "is triggered", "sounds", "is going off"),
                "armed": ("is armed", "gets armed", "arms", "has been armed", "armed"),
                "disarmed": ("is disarmed", "gets disarmed", "disarmed"),
                "docked": (
                    "is docked",
                    "docks",
                    "returns to the dock",
                    "returns home",
                    "goes home",
                    "is back on the dock",
                    "returns to its dock",
                    "returns to base",
                ),
                "cleaning": ("starts cleaning", "is cleaning", "has been cleaning"),
                "on": (
                    "turns on",
                    "is turned on",
                    "is switched on",
                    "switches on",
                    "gets switched on",
                    "gets turned on",
                    "goes on",
                    "comes on",
                    "is on",
                    "has been on",
                    "is left on",
                    "is running",
                    "has been running",
                    "starts running",
                    "starts",
                    "is started",
                    "on",
                ),
                "off": (
                    "turns off",
                    "is turned off",
                    "is switched off",
                    "switches off",
                    "gets switched off",
                    "gets turned off",
                    "is off",
                    "has been off",
                    "stops",
                    "off",
                ),
            }.items()
            for p in phrases
        ),
        key=lambda item: -len(item[0]),
    )
)
_BELOW = (
    "drops below",
    "falls below",
    "goes below",
    "is below",
    "is under",
    "gets colder than",
    "is colder than",
    "dips below",
    "is less than",
    "gets below",
    "has been below",
    "has been under",
    "is lower than",
    "gets lower than",
)
_ABOVE = (
    "goes above",
    "rises above",
    "is above",
    "is over",
    "goes over",
    "gets warmer than",
    "gets hotter than",
    "is hotter than",
    "is warmer than",
    "gets more humid than",
    "exceeds",
    "is higher than",
    "has been over",
    "has been above",
    "gets above",
    "is more than",
    "is more humid than",
    "gets higher than",
    "rises over",
)
_COMPARE = tuple(
    sorted(
        [(tuple(p.split()), "below") for p in _BELOW]
        + [(tuple(p.split()), "above") for p in _ABOVE],
        key=lambda item: -len(item[0]),
    )
)
# Words that say what kind of device a clause is about, without its name.
_KIND_WORDS: dict[str, tuple[str, frozenset[str] | None]] = {
    "motion": ("binary_sensor", _MOTION_CLASSES),
    "movement": ("binary_sensor", _MOTION_CLASSES),
    "someone": ("binary_sensor", _MOTION_CLASSES),
    "somebody": ("binary_sensor", _MOTION_CLASSES),
    "nobody": ("binary_sensor", _MOTION_CLASSES),
    "temperature": ("sensor", frozenset({"temperature"})),
    "colder": ("sensor", frozenset({"temperature"})),
    "warmer": ("sensor", frozenset({"temperature"})),
    "hotter": ("sensor", frozenset({"temperature"})),
    "degree": ("sensor", frozenset({"temperature"})),
    "humidity": ("sensor", frozenset({"humidity"})),
    "humid": ("sensor", frozenset({"humidity"})),
    "window": ("binary_sensor", frozenset({"window"})),
    "door": ("binary_sensor", frozenset({"door", "garage_door"})),
    "light": ("light", None),
    "lamp": ("light", None),
    "tv": ("media_player", None),
    "speaker": ("media_player", None),
    "heating": ("climate", None),
    "thermostat": ("climate", None),
    "fan": ("fan", None),
    "alarm": ("alarm_control_panel", None),
    "vacuum": ("vacuum", None),
}


class WordsError(ValueError):
    """Words that name no device, or several, or say nothing that can happen to one."""


@dataclass
class Said:
    """What a trigger or condition clause says: the device and what happens to it."""

    device: Device
    kind: str
    """on, off, open, closed, motion, no_motion, unlocked, ..., below, above, between."""
    numbers: list[float] = field(default_factory=list)


def _phrases(device: Device) -> Iterable[tuple[str, ...]]:
    for name in (device.name, *device.aliases):
        words = tuple(singular(w) for w in tokenize(name))
        if words:
            yield words


def _contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


class EntityWords:
    """Finds the device trigger and condition words name, in one home."""

    def __init__(self, registry: DeviceRegistry) -> None:
        self.registry = registry

    def named(self, words: Sequence[str]) -> list[Device]:
        """Devices named in ``words`` by name or alias (the longest names win)."""
        flat = [singular(w) for w in words]
        found: list[tuple[int, Device]] = []
        for device in self.registry:
            best = max((len(p) for p in _phrases(device) if _contains(flat, p)), default=0)
            if best:
                found.append((best, device))
        if not found:
            return []
        longest = max(n for n, _ in found)
        return [d for n, d in found if n == longest]

    def areas(self, words: Sequence[str]) -> list[str]:
        """Area ids named in ``words``."""
        flat = list(words)
        out = []
        for area in self.registry.areas.values():
            for name in (area.name, *area.aliases):
                if _contains(flat, tuple(tokenize(name))):
                    out.append(area.id)
                    break
        return out

    def by_kind(self, words: Sequence[str]) -> list[Device]:
        """Devices of the kind the words say ("motion", "temperature"), in the area they name."""
        areas = self.areas(words)
        kinds = [_KIND_WORDS[singular(w)] for w in words if singular(w) in _KIND_WORDS]
        if not kinds:
            return []
        domain, classes = kinds[0]
        pool = [
            d
            for d in self.registry
            if d.domain == domain and (classes is None or d.device_class in classes)
        ]
        if areas:
            pool = [d for d in pool if d.area_id in areas]
        return pool

    def read(self, words: Sequence[str], it: Device | None = None) -> Said:
        """The device ``words`` are about and what they say happens to it."""
        kind, numbers, at = _event(words)
        if kind is None:
            raise WordsError(f"I can't tell what should happen in '{' '.join(words)}'.")
        subject = list(words[:at]) if at else list(words)
        devices = self._devices(subject, list(words), kind, it)
        if not devices:
            raise WordsError(f"I don't know a device that '{' '.join(words)}' is about.")
        if len(devices) > 1:
            names = ", ".join(d.name for d in devices)
            raise WordsError(f"'{' '.join(words)}' fits several devices ({names}); name one.")
        return Said(devices[0], kind, numbers)

    def _devices(
        self, subject: list[str], words: list[str], kind: str, it: Device | None
    ) -> list[Device]:
        fits = _fits(kind)
        named = [d for d in self.named(words) if fits(d)]
        if named:
            return named
        if it is not None and ("it" in subject or not subject) and fits(it):
            return [it]
        return [d for d in self.by_kind(words) if fits(d)]


def _fits(kind: str) -> Any:
    def fits(device: Device) -> bool:
        domain, dc = device.domain, device.device_class
        return {
            "motion": domain == "binary_sensor" and dc in _MOTION_CLASSES,
            "no_motion": domain == "binary_sensor" and dc in _MOTION_CLASSES,
            "open": domain in {"cover", "valve"}
            or (domain == "binary_sensor" and dc in _OPENING_CLASSES),
            "closed": domain in {"cover", "valve"}
            or (domain == "binary_sensor" and dc in _OPENING_CLASSES),
            "unlocked": domain == "lock",
            "locked": domain == "lock",
            "playing": domain == "media_player",
            "triggered": domain in {"alarm_control_panel", "binary_sensor"},
            "armed": domain == "alarm_control_panel",
            "disarmed": domain == "alarm_control_panel",
            "docked": domain == "vacuum",
            "cleaning": domain == "vacuum",
            "on": domain in _ON_OFF | {"binary_sensor", "climate"},
            "off": domain in _ON_OFF | {"binary_sensor", "climate"},
        }.get(kind, domain in {"sensor", "number", "input_number"})

    return fits


def _event(words: Sequence[str]) -> tuple[str | None, list[float], int]:
    """What happens, the numbers it compares with, and where its words start."""
    for i in range(len(words)):
        for phrase, kind in _COMPARE:
            if tuple(words[i : i + len(phrase)]) == phrase:
                numbers = _numbers(words[i + len(phrase) :])
                if numbers:
                    return kind, numbers[:1], i
        if tuple(words[i : i + 2]) == ("is", "between"):
            numbers = _numbers(words[i + 2 :])
            if len(numbers) >= 2:
                return "between", sorted(numbers[:2]), i
    motion = {"motion", "movement", "moves", "walks", "enters", "moving"}
    negative = {"no", "nobody", "stops", "clear"}
    if any(w in motion for w in words):
        return ("no_motion" if any(w in negative for w in words) else "motion"), [], 0
    for i in range(len(words)):
        for phrase, kind in _EVENTS:
            if tuple(words[i : i + len(phrase)]) == phrase:
                return kind, [], i
    return None, [], 0


def _numbers(words: Sequence[str]) -> list[float]:
    out = []
    for word in words:
        try:
            out.append(float(word.rstrip("%")))
        except ValueError:
            if word not in {"and", "degrees", "degree", "percent", "%", "c"}:
                break
    return out


def to_states(said: Said) -> dict[str, Any]:
    """The ``to`` (or numeric keys) of a trigger on what ``said`` says."""
    device, kind = said.device, said.kind
    if kind == "below":
        return {"below": said.numbers[0]}
    if kind == "above":
        return {"above": said.numbers[0]}
    if kind == "between":
        return {"above": said.numbers[0], "below": said.numbers[1]}
    state: Any = {
        "motion": "on",
        "no_motion": "off",
        "unlocked": "unlocked",
        "locked": "locked",
        "playing": "playing",
        "triggered": "triggered" if device.domain == "alarm_control_panel" else "on",
        "armed": _ARMED,
        "disarmed": "disarmed",
        "docked": "docked",
        "cleaning": "cleaning",
    }.get(kind)
    if state is None and kind in {"open", "closed"}:
        state = ("on" if kind == "open" else "off") if device.domain == "binary_sensor" else kind
    if state is None and kind in {"on", "off"}:
        state = (_CLIMATE_ON if kind == "on" else "off") if device.domain == "climate" else kind
    return {"to": state}
