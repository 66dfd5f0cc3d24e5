"""Questions about what lies around the devices, answered from Home Assistant's entities that
hausgeist does not act on: the weather, who is home, the sun. Pure: the state store in, a
reply out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore

_CONDITIONS: Mapping[str, str] = {
    "clear-night": "clear",
    "partlycloudy": "partly cloudy",
    "lightning": "thundery",
    "lightning-rainy": "stormy",
    "pouring": "pouring with rain",
    "snowy-rainy": "sleety",
    "windy-variant": "windy",
}
"""Home Assistant's weather conditions that do not read as words as they are."""
_SUN_TIMES = {"sunset": "next_setting", "sundown": "next_setting", "sunrise": "next_rising"}
_SUN_VERBS = {"set": "next_setting", "sets": "next_setting", "rise": "next_rising"}
_SUN_VERBS |= {"rises": "next_rising", "come": "next_rising"}
_ANYONE = frozenset({"anyone", "anybody", "someone", "somebody", "everyone", "everybody"})

Answer = tuple[str, str]
"""The reply and a trace step."""


class Household:
    """Answers about the weather, the people and the sun of one home, when it has them."""

    def __init__(self, registry: DeviceRegistry) -> None:
        self.weather = registry.of_domain("weather")
        self.people = registry.of_domain("person") or registry.of_domain("device_tracker")
        self.sun = registry.of_domain("sun")

    def answer(self, words: Sequence[str], states: StateStore) -> Answer | None:
        """The reply when ``words`` ask about these, else None (other questions go on)."""
        said = set(words)
        sun_time = _sun_time_asked(words)
        if self.sun and sun_time is not None:
            return self._sun_time(self.sun[0], sun_time, states), "sun"
        if words[0] == "when":  # "when is sunset"; never "when Anna gets home, ..."
            return None
        if self.weather and "weather" in said:
            return self._weather(self.weather[0], states), "weather"
        if self.sun and "sun" in said and {"up", "down"} & said:
            up = states.get(self.sun[0].entity_id).state == "above_horizon"
            return ("Yes" if up == ("up" in said) else "No") + f", the sun is {_up(up)}.", "sun"
        if self.people and "home" in said and words[0] in {"is", "are", "who"}:
            return self._people(words, states)
        return None

    @staticmethod
    def _weather(device: Device, states: StateStore) -> str:
        state = states.get(device.entity_id)
        if state.state in {None, "unknown", "unavailable"}:
            return "I don't know the weather right now."
        condition = _CONDITIONS.get(state.state or "", (state.state or "").replace("-", " "))
        parts = [f"The weather is {condition}"]
        temperature = state.attributes.get("temperature")
        if isinstance(temperature, int | float) and not isinstance(temperature, bool):
            unit = state.attributes.get("temperature_unit", "°C")
            parts.append(f"{temperature} {unit}")
        humidity = state.attributes.get("humidity")
        if isinstance(humidity, int | float) and not isinstance(humidity, bool):
            parts.append(f"humidity {humidity}%")
        return ", ".join(parts) + "."

    @staticmethod
    def _sun_time(device: Device, attribute: str, states: StateStore) -> str:
        what = "Sunset" if attribute == "next_setting" else "Sunrise"
        value = states.get(device.entity_id).attributes.get(attribute)
        try:
            when = datetime.fromisoformat(str(value)).astimezone()
        except ValueError:
            return f"I don't know when the next {what.lower()} is."
        return f"{what} is at {when:%H:%M}."

    def _people(self, words: Sequence[str], states: StateStore) -> Answer | None:
        said = set(words)
        named = [p for p in self.people if set(p.name.casefold().split()) <= said]
        home = [p for p in self.people if states.get(p.entity_id).state == "home"]
        if named:
            person = named[0]
            where = _whereabouts(states.get(person.entity_id).state)
            yes = person in home
            return f"{'Yes' if yes else 'No'}, {person.name} is {where}.", "people"
        if words[0] == "who" or _ANYONE & said:
            if not home:
                return ("No, nobody is home." if words[0] != "who" else "Nobody is home."), "people"
            names = _and([p.name for p in home])
            verb = "is" if len(home) == 1 else "are"
            lead = "" if words[0] == "who" else "Yes, "
            return f"{lead}{names} {verb} home.", "people"
        return None


def _sun_time_asked(words: Sequence[str]) -> str | None:
    """The sun's attribute asked about: ``next_setting`` for "sunset", "the sun sets"."""
    found = next((_SUN_TIMES[w] for w in words if w in _SUN_TIMES), None)
    if found is None and "sun" in words:
        found = next((_SUN_VERBS[w] for w in words if w in _SUN_VERBS), None)
    return found


def _up(up: bool) -> str:
    return "up" if up else "down"


def _whereabouts(state: str | None) -> str:
    if state == "home":
        return "home"
    if state in {None, "unknown", "unavailable"}:
        return "somewhere I don't know"
    return "away" if state == "not_home" else f"at {state.replace('_', ' ')}"


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
