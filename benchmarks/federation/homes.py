"""Nine homes for the federation benchmark, generated from templates of our own: different
rooms, names, brands and people, and each household's words for its devices.

Every pattern a household uses is planted in a known number of the eight homes that join
(its prevalence), so what the federation recovers can be scored; one pattern is planted in a
single home (the attack the k-threshold and the noise are for), and every home plants its
own people's names in its history and its words ("Zebulon's lamp"), which must never leave.
The ninth home never joins: its household uses the common patterns and is asked after.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ROOMS = {
    "living_room": ("Living Room", "Lounge", "Front Room", "Sitting Room", "Den"),
    "bedroom": ("Bedroom", "Master Bedroom", "Main Bedroom"),
    "office": ("Office", "Study", "Workroom"),
    "kitchen": ("Kitchen", "Galley"),
}
BRANDS = ("Samsung", "LG", "Sony", "Philips", "Panasonic", "Hisense", "TCL", "Toshiba")
PEOPLE = ("Zebulon", "Ottilie", "Peregrine", "Wilhelmina", "Barnaby", "Clementine", "Ignatius",
          "Philippa", "Leopold")  # fmt: skip


@dataclass(frozen=True)
class Habit:
    """A household's word for one kind of device, and in how many of the 8 homes it lives."""

    phrase: str
    entity: str
    """Object id suffix of the device it means (``ceiling`` -> ``light.<room>_ceiling``)."""
    room: str
    prevalence: int


HABITS = (
    Habit("big light", "light.{room}_ceiling", "living_room", 8),
    Habit("box", "media_player.{room}_tv", "living_room", 7),
    Habit("tall lamp", "light.{room}_floor", "living_room", 6),
    Habit("work light", "light.{room}_desk", "office", 6),
    Habit("tunes", "media_player.{room}_speaker", "kitchen", 5),
    Habit("breeze", "fan.{room}_fan", "bedroom", 3),
    Habit("cool air", "fan.{room}_fan", "bedroom", 2),
)
SINGLE = Habit("moon light", "light.{room}_ceiling", "bedroom", 1)
"""Planted in one home only: never to be adopted."""
HOMES = 8


@dataclass(frozen=True)
class GeneratedHome:
    name: str
    person: str
    yaml: str
    habits: tuple[Habit, ...]
    names: dict[str, str]
    """entity_id -> device name."""


def generate(index: int, rng: random.Random) -> GeneratedHome:
    """Home ``index`` (0-7 join, 8 is held out)."""
    person = PEOPLE[index]
    rooms = {room: rng.choice(names) for room, names in ROOMS.items()}
    brand = rng.choice(BRANDS)
    devices: list[tuple[str, str, str]] = []  # entity, name, room
    for room, room_name in rooms.items():
        devices.append((f"light.{room}_ceiling", f"{room_name} Ceiling Light", room))
    devices += [
        ("light.living_room_floor", f"{rooms['living_room']} Floor Lamp", "living_room"),
        ("media_player.living_room_tv", f"{brand} TV", "living_room"),
        ("light.office_desk", f"{person}'s Desk Lamp", "office"),
        ("media_player.kitchen_speaker", f"{rooms['kitchen']} Speaker", "kitchen"),
        ("fan.bedroom_fan", f"{rooms['bedroom']} Fan", "bedroom"),
        ("light.bedroom_bedside", "Bedside Lamp", "bedroom"),
    ]
    lines = [f"home: {person.lower()}-home", "llm: {enabled: false}", "areas:"]
    lines += [f"  - {{id: {room}, name: {name}}}" for room, name in rooms.items()]
    lines.append("devices:")
    for entity, name, room in devices:
        attrs = ""
        if entity.startswith("light."):
            attrs = ", attributes: {supported_color_modes: [brightness]}"
        elif entity.startswith("media_player."):
            kind = "tv" if entity.endswith("_tv") else "speaker"
            attrs = f", device_class: {kind}"
        lines.append(f'  - {{id: {entity}, name: "{name}", area: {room}, state: "off"{attrs}}}')
    if index == HOMES:  # held out: the common habits
        habits = tuple(h for h in HABITS if h.prevalence >= 5)
    else:
        habits = tuple(h for h in HABITS if index < h.prevalence)
        if index == 0:
            habits += (SINGLE,)
    names = {entity: name for entity, name, _ in devices}
    return GeneratedHome(f"home{index}", person, "\n".join(lines) + "\n", habits, names)


def device_of(habit: Habit) -> str:
    return habit.entity.format(room=habit.room)
