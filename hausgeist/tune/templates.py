"""The request templates the teacher data is written from: this project's own wording.

Each template names the domains it fits and what a right answer is (``kind``):

- ``act``: a command the core should carry out (its calls become the target);
- ``no_such_device`` / ``not_possible``: a request that must be refused;
- ``unclear``: an ambiguous or empty command the model must not guess (``unknown``);
- ``chatter``: talk that is no request for a device (``unknown``).

Slots: ``{name}`` a device's name or alias, ``{name2}`` a second device, ``{area}`` an
area's name or alias, ``{n}`` a number, ``{color}`` a colour, ``{item}`` a shopping item,
``{ghost}`` a device the home does not have, ``{nowhere}`` a room it does not have.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    """One way of saying something to the home."""

    domains: frozenset[str]
    """Domains whose devices fill ``{name}`` (empty: no device slot)."""
    text: str
    """The words, with slots."""
    kind: str = "act"
    """What a right answer is (see the module docstring)."""
    area_scoped: bool = False
    """Said without a place, by a satellite in the device's area (``Request.area``)."""
    second: frozenset[str] = frozenset()
    """Domains whose devices fill ``{name2}``."""


def _t(
    domains: str, *texts: str, kind: str = "act", area_scoped: bool = False, second: str = ""
) -> list[Template]:
    return [
        Template(frozenset(domains.split()), t, kind, area_scoped, frozenset(second.split()))
        for t in texts
    ]


SWITCHABLE = "light switch fan input_boolean humidifier media_player"

TEMPLATES: tuple[Template, ...] = (
    *_t(
        SWITCHABLE,
        "turn on the {name}",
        "switch on the {name}",
        "turn the {name} on",
        "{name} on",
        "put the {name} on",
        "power up the {name}",
        "can you turn on the {name}",
        "i want the {name} on",
        "get the {name} going",
        "turn off the {name}",
        "switch the {name} off",
        "{name} off",
        "kill the {name}",
        "shut off the {name}",
        "power down the {name}",
        "could you switch off the {name}",
        "toggle the {name}",
        "flip on the {name}",
        "fire up the {name}",
        "start up the {name}",
        "turn the {name} off please",
        "shut down the {name}",
        "switch the {name} back on",
        "the {name}, turn it off",
        "i don't need the {name} anymore",
    ),
    *_t(
        "light",
        "set the {name} to {n} percent",
        "dim the {name} to {n}%",
        "{name} at {n} percent",
        "brightness of the {name} to {n}",
        "make the {name} {color}",
        "turn the {name} {color}",
        "change the {name} to {color}",
        "set the {name} colour to {color}",
        "dim the {name}",
        "make the {name} brighter",
        "brighten the {name}",
        "the {name} a bit darker",
        "full brightness on the {name}",
        "{name} to {n} percent",
        "put the {name} at {n}%",
        "light up the {name}",
        "set the {name} to half brightness",
        "lights on in the {area}",
        "turn off all the lights in the {area}",
        "switch the {area} lights on",
        "make it brighter in the {area}",
        "{area} lights off please",
        "lock the {name}",
        "open the {name}",
    ),
    *_t("light", "it's too dark in here", "turn the light off", kind="act", area_scoped=True),
    *_t(
        "light",
        "it's a bit dark in the {area}",
        "i can't see a thing in the {area}",
        "too bright in the {area}",
        "more light in the {area} please",
    ),
    *_t(
        "",
        "turn on the light",
        "switch off the lamp",
        "open the blinds",
        "close the curtains",
        "turn up the heating",
        "lock the door",
        "pause the speaker",
        "start the vacuum",
    ),
    *_t(
        "cover",
        "open the {name}",
        "close the {name}",
        "raise the {name}",
        "lower the {name}",
        "shut the {name}",
        "pull up the {name}",
        "let down the {name}",
        "set the {name} to {n} percent",
        "{name} halfway",
        "open the {name} {n}%",
        "stop the {name}",
        "open up the {name}",
        "{name} down please",
        "{name} up",
        "put the {name} at {n} percent",
        "close all the blinds in the {area}",
        "open the curtains in the {area}",
        "set the {name} to {color}",
    ),
    *_t(
        "climate",
        "set the {name} to {n} degrees",
        "{name} to {n}",
        "make it {n} degrees with the {name}",
        "warm up the {area}",
        "turn up the {name}",
        "turn down the {name}",
        "a bit warmer in the {area}",
        "turn off the {name}",
        "switch the {name} to heat",
        "put the {name} on auto",
        "heating to {n} in the {area}",
        "set the {name} to {n}00 degrees",
    ),
    *_t("climate", "it's cold in here", "make it warmer", kind="act", area_scoped=True),
    *_t("climate", "it's freezing in the {area}", "too hot in the {area}"),
    *_t(
        "lock",
        "lock the {name}",
        "unlock the {name}",
        "secure the {name}",
        "bolt the {name}",
        "make the {name} blue",
    ),
    *_t(
        "valve",
        "open the {name}",
        "close the {name}",
        "shut off the {name}",
        "turn on the {name}",
        "turn off the {name}",
    ),
    *_t(
        "media_player",
        "pause the {name}",
        "play music on the {name}",
        "resume the {name}",
        "stop the {name}",
        "next song on the {name}",
        "skip this track on the {name}",
        "previous track on the {name}",
        "volume of the {name} to {n} percent",
        "set the {name} volume to {n}",
        "turn the {name} up",
        "make the {name} quieter",
        "louder on the {name}",
        "mute the {name}",
        "unmute the {name}",
        "pause the music",
        "set the {name} to {n} degrees",
    ),
    *_t(
        "vacuum",
        "start the {name}",
        "start cleaning with the {name}",
        "let the {name} clean",
        "send the {name} home",
        "{name} back to the dock",
        "pause the {name}",
        "stop the {name}",
        "dim the {name}",
    ),
    *_t(
        "fan",
        "set the {name} to {n} percent",
        "{name} speed {n}%",
        "speed up the {name}",
        "slow down the {name}",
        "make the {name} red",
    ),
    *_t(
        "scene",
        "activate {name}",
        "{name} scene",
        "set the {name} scene",
        "start {name}",
        "switch to {name}",
    ),
    *_t("script", "run {name}", "start {name}", "execute {name}", "do the {name} routine"),
    *_t(
        "todo",
        "add {item} to the {name}",
        "put {item} on the {name}",
        "{item} on the {name} please",
        "we need {item}",
        "add {item} to my list",
    ),
    *_t(
        "alarm_control_panel",
        "arm the {name}",
        "arm the {name} in away mode",
        "set the {name} to home",
        "disarm the {name}",
    ),
    *_t(
        "water_heater",
        "set the {name} to {n} degrees",
        "{name} to {n}",
        "turn off the {name}",
        "turn on the {name}",
    ),
    *_t("humidifier", "set the {name} to {n} percent", "{name} humidity {n}%"),
    *_t(
        SWITCHABLE,
        "turn on the {name} and turn off the {name2}",
        "switch off the {name} and the {name2}",
        "{name} on and {name2} off",
        second=SWITCHABLE,
    ),
    *_t(SWITCHABLE, "turn off the {name}, then lock the {name2}", second="lock"),
    *_t("cover", "close the {name} and switch on the {name2}", second=SWITCHABLE),
    *_t("climate", "set the {name} to {n} and turn off the {name2}", second="light"),
    *_t(
        "",
        "turn on the {ghost}",
        "switch off the {ghost}",
        "open the {ghost}",
        "set the {ghost} to {n} percent",
        "start the {ghost}",
        "turn on the lights in the {nowhere}",
        "close the blinds in the {nowhere}",
        "turn off the {nowhere} light",
        kind="no_such_device",
    ),
    *_t("light switch", "set the {name} to {n}00 percent", kind="not_possible"),
    *_t("", "turn it on", "switch that off", "set it to {n}", "open it", kind="unclear"),
    *_t(
        "",
        "tell me a joke",
        "hello there",
        "how are you today",
        "what's your name",
        "thank you very much",
        "good morning",
        "who won the game last night",
        "sing me a song",
        "i'm going to bed soon",
        "never mind",
        kind="chatter",
    ),
)
"""Every template; the ones no device of a home fits are skipped for that home."""

PREFIXES = (
    "",
    "",
    "",
    "please ",
    "hey, ",
    "could you ",
    "can you ",
    "ok ",
    "would you ",
    "hey hausgeist, ",
)
SUFFIXES = ("", "", "", " please", " thanks", " now", " for me", ", thank you", " right away")
COLORS = ("red", "blue", "green", "purple", "orange", "pink", "yellow", "warm white", "cool white")
ITEMS = ("milk", "eggs", "bread", "coffee", "bananas", "dish soap", "batteries", "cat food")
GHOSTS = (
    "sauna", "hot tub", "pool pump", "jacuzzi", "aquarium", "fireplace", "electric blanket",
    "garden fountain", "treadmill", "dishwasher", "tumble dryer", "pizza oven", "wine fridge",
    "ceiling fan in the attic", "hover board", "lava lamp",
)  # fmt: skip
NOWHERE = (
    "attic",
    "cellar",
    "wine cellar",
    "gym",
    "pool house",
    "sauna room",
    "loft",
    "pantry",
    "boathouse",
    "music room",
)
NUMBER_WORDS = {
    10: "ten", 15: "fifteen", 20: "twenty", 25: "twenty five", 30: "thirty", 40: "forty",
    50: "fifty", 60: "sixty", 70: "seventy", 75: "seventy five", 80: "eighty", 90: "ninety",
}  # fmt: skip
