"""Three households, their words and their habits: what the diaries are generated from.

Written for this benchmark (no public set): each intent is a device action, the words the
household uses for it, where it is said from, and when. ``held_back`` frames are never
used in a diary; they are asked after the month.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Intent:
    """Something a household wants done, and how it says it."""

    entity_id: str
    service: str
    phrases: tuple[str, ...]
    """What they call the device ("big light")."""
    verb: str
    """``on`` or ``off``: which frames say it."""
    area: str | None
    """Where it is said from (the satellite's room)."""
    hours: tuple[int, ...]
    """Hours of the day it is said at."""
    value: dict[int, int] = field(default_factory=dict)
    """The brightness wanted, by hour, where the household has a habit (not said)."""
    name: str = ""
    """The device as a correction names it."""
    weight: float = 1.0


ON = ("turn on the {}", "switch the {} on", "put the {} on", "turn the {} on")
OFF = ("turn off the {}", "switch the {} off", "turn the {} off")
HELD_ON = ("can you switch on the {} please", "{} on please", "could you put the {} on")
HELD_OFF = ("{} off please", "can you turn the {} off", "switch off the {} now")


def _pair(
    entity: str,
    name: str,
    phrases: tuple[str, ...],
    area: str | None,
    hours: tuple[int, ...],
    weight: float = 1.0,
    domain: str = "light",
) -> list[Intent]:
    return [
        Intent(entity, f"{domain}.turn_on", phrases, "on", area, hours, name=name, weight=weight),
        Intent(entity, f"{domain}.turn_off", phrases, "off", area, hours, name=name, weight=weight),
    ]


EVENING = (17, 18, 19, 20, 21, 22)
NIGHT = (22, 23, 0)
MORNING = (6, 7, 8)

HOUSEHOLDS: dict[str, list[Intent]] = {
    # Says "the telly", "the big light", "the box", "the fairy lights", "the cupboard lights".
    "millers": [
        *_pair("light.living_ceiling", "ceiling light", ("big light",), "living_room", EVENING, 2),
        *_pair(
            "media_player.samsung_tv",
            "Samsung",
            ("telly",),
            "living_room",
            EVENING,
            2,
            "media_player",
        ),
        *_pair("media_player.sky_q", "Sky Q", ("box",), "living_room", EVENING, 1, "media_player"),
        *_pair(
            "switch.window_garland",
            "window garland",
            ("fairy lights",),
            "living_room",
            EVENING,
            1,
            "switch",
        ),
        *_pair(
            "light.under_cabinet",
            "under cabinet strip",
            ("cupboard lights",),
            "kitchen",
            MORNING,
            1,
        ),
        *_pair(
            "light.reading_lamp", "reading lamp", ("reading lamp",), "living_room", EVENING, 0.5
        ),
        *_pair("light.hall", "hall light", ("hall light",), None, EVENING, 0.5),
        *_pair("light.bedside", "bedside lamp", ("lamp",), "bedroom", NIGHT, 1),
    ],
    # Plain names, but wants the lights dim late at night and bright in the morning.
    "owls": [
        Intent(
            "light.bedroom",
            "light.turn_on",
            ("bedroom light",),
            "on",
            None,
            (23, 0),
            {23: 20, 0: 20},
            "bedroom light",
            2,
        ),
        Intent(
            "light.bedroom",
            "light.turn_on",
            ("bedroom light",),
            "on",
            None,
            MORNING,
            {6: 100, 7: 100, 8: 100},
            "bedroom light",
            1,
        ),
        Intent(
            "light.bedroom",
            "light.turn_off",
            ("bedroom light",),
            "off",
            None,
            (23, 0, 8),
            name="bedroom light",
        ),
        Intent(
            "light.living_room",
            "light.turn_on",
            ("living room light",),
            "on",
            None,
            (19, 20, 21),
            {19: 40, 20: 40, 21: 40},
            "living room light",
            2,
        ),
        Intent(
            "light.living_room",
            "light.turn_off",
            ("living room light",),
            "off",
            None,
            (22, 23),
            name="living room light",
        ),
        Intent(
            "light.bathroom",
            "light.turn_on",
            ("bathroom light",),
            "on",
            None,
            (23, 0, 1),
            {23: 10, 0: 10, 1: 10},
            "bathroom light",
            1,
        ),
        Intent(
            "light.bathroom",
            "light.turn_off",
            ("bathroom light",),
            "off",
            None,
            (23, 0, 1),
            name="bathroom light",
        ),
        Intent(
            "light.hallway",
            "light.turn_on",
            ("hallway light",),
            "on",
            None,
            (23, 0),
            {23: 5, 0: 5},
            "hallway light",
            1,
        ),
        Intent(
            "light.kitchen",
            "light.turn_on",
            ("kitchen light",),
            "on",
            None,
            MORNING,
            name="kitchen light",
            weight=1,
        ),
        Intent(
            "light.kitchen",
            "light.turn_off",
            ("kitchen light",),
            "off",
            None,
            MORNING,
            name="kitchen light",
            weight=1,
        ),
    ],
    # Two lamps in most rooms; "the lamp" is always the same one of them.
    "lamps": [
        *_pair("light.bedroom_floor_lamp", "floor lamp", ("lamp",), "bedroom", NIGHT, 2),
        *_pair("light.bedroom_desk_lamp", "desk lamp", ("reading light",), "bedroom", NIGHT, 1),
        *_pair(
            "light.living_floor_lamp", "arc lamp", ("lamp", "big lamp"), "living_room", EVENING, 2
        ),
        *_pair("light.office_lamp", "office lamp", ("light",), "office", MORNING, 1.5),
        *_pair("fan.office", "office fan", ("fan",), "office", (12, 13, 14), 0.5, "fan"),
        *_pair("light.garage", "garage light", ("light",), "garage", EVENING, 0.5),
    ],
}
