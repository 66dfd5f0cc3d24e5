"""What the person wants done: the action and its value, found by word rules.

A rule consumes the words it used, so that what is left names the target."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rapidfuzz.distance import OSA

from hausgeist.understanding.text import singular
from hausgeist.understanding.vocabulary import COLOR_TEMPS, COLORS, STOP_WORDS, TYPE_WORDS


class Action(StrEnum):
    """An action independent of the domain it will land on."""

    ON = "on"
    OFF = "off"
    TOGGLE = "toggle"
    OPEN = "open"
    CLOSE = "close"
    STOP = "stop"
    LOCK = "lock"
    UNLOCK = "unlock"
    SET_PCT = "set_pct"
    SET_NUMBER = "set_number"
    SET_TEMP = "set_temp"
    STEP_UP = "step_up"
    STEP_DOWN = "step_down"
    BRIGHT_UP = "bright_up"
    BRIGHT_DOWN = "bright_down"
    TEMP_UP = "temp_up"
    TEMP_DOWN = "temp_down"
    COLOR = "color"
    COLOR_TEMP = "color_temp"
    HVAC_MODE = "hvac_mode"
    PLAY = "play"
    PAUSE = "pause"
    NEXT = "next"
    PREVIOUS = "previous"
    VOLUME_SET = "volume_set"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    MUTE = "mute"
    UNMUTE = "unmute"
    START = "start"
    RETURN = "return"
    LOCATE = "locate"
    FAN_UP = "fan_up"
    FAN_DOWN = "fan_down"
    OSCILLATE = "oscillate"
    ACTIVATE = "activate"
    ADD_ITEM = "add_item"
    REMOVE_ITEM = "remove_item"
    SET_MODE = "set_mode"
    ARM = "arm"
    DISARM = "disarm"


@dataclass
class Intent:
    """An action found in one clause."""

    action: Action
    value: Any = None
    consumed: set[int] = field(default_factory=set)
    """Token positions the rule used."""
    domains: frozenset[str] | None = None
    """When set, only devices of these domains fit (indirect wishes)."""
    rule: str = ""
    """Which rule matched, for the trace."""
    indirect: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    """More service data from the same words (a brightness said with a colour)."""
    words: list[str] = field(default_factory=list)
    """The clause's words."""


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    action: Action
    domains: frozenset[str] | None = None
    indirect: bool = False


def _r(
    name: str, pattern: str, action: Action, domains: str | None = None, *, indirect: bool = False
) -> _Rule:
    return _Rule(
        name,
        re.compile(pattern),
        action,
        frozenset(domains.split()) if domains else None,
        indirect=indirect,
    )


_NUM = r"\d+(?:\.\d+)?"
_PCT = r"\d+(?:\.\d+)?%"

# Ordered: the first rule that matches decides the action. Values are read in `_value`.
_RULES: tuple[_Rule, ...] = (
    _r(
        "indirect-dark",
        r"\b(too dark|very dark|so dark|it is dark|can not see|cannot see|pitch black|need (some )?more light)\b",
        Action.ON,
        "light",
        indirect=True,
    ),
    _r(
        "indirect-sun",
        r"\bsun\b.*\b(eyes|blinding|glare|bright|hot|face|screen)\b|\bglare\b",
        Action.CLOSE,
        "cover",
        indirect=True,
    ),
    _r(
        "indirect-bright",
        r"\b(too bright|so bright|too much light|blinding)\b",
        Action.BRIGHT_DOWN,
        "light",
        indirect=True,
    ),
    _r(
        "indirect-cold",
        r"\b(too cold|so cold|freezing|chilly|nippy|parky|perishing|arctic|i am cold|cold in here|it is cold)\b",
        Action.TEMP_UP,
        "climate",
        indirect=True,
    ),
    _r(
        "indirect-hot",
        r"\b(too hot|too warm|so hot|boiling|i am hot|sweating|roasting|sweltering|stifling|baking|like a sauna|like an oven|hot in here|it is hot)\b",
        Action.TEMP_DOWN,
        "climate",
        indirect=True,
    ),
    _r(
        "indirect-loud",
        r"\b(too loud|so loud|too noisy)\b",
        Action.VOLUME_DOWN,
        "media_player",
        indirect=True,
    ),
    _r(
        "indirect-quiet",
        r"\b(can not hear|cannot hear|too quiet|too soft)\b",
        Action.VOLUME_UP,
        "media_player",
        indirect=True,
    ),
    _r(
        "indirect-gloomy",
        r"\b(gloomy|dim in here|dingy|really dark|so dark|dark out|dark in)\b",
        Action.ON,
        "light",
        indirect=True,
    ),
    _r("indirect-steamy", r"\b(steamy|stuffy|muggy|steamed up)\b", Action.ON, "fan", indirect=True),
    _r(
        "let-in",
        r"\blet (?P<who>me|us|them|him|her|the [a-z]+( [a-z]+)?) in\b",
        Action.OPEN,
        "lock cover",
    ),
    _r("scene", r"\b(scene|routine)\b", Action.ACTIVATE, "scene script"),
    _r("water-verb", r"^water (the|my|our)\b", Action.ACTIVATE, "valve switch"),
    _r("awning-out", r"\bawning\b.*\bout\b|\bout\b.*\bawning\b", Action.OPEN, "cover"),
    _r("awning-in", r"\bawning\b.*\bin\b|\bin\b.*\bawning\b", Action.CLOSE, "cover"),
    _r(
        "todo-add",
        r"^(add|put|stick|write|include|pop) (?P<item>.+?) (to|on|onto|in|into) (?P<list>(the |my |our )?([a-z]+ ){0,3}(list|groceries|shopping|to do|todo|chores))$"
        r"|^(the |my )?(shopping|grocery|grocerie|to do|todo) list,? (add )?(?P<item2>.+)$",
        Action.ADD_ITEM,
        "todo",
    ),
    _r(
        "todo-need",
        r"\b(out of|need more|need some|need|ran out of|run out of|buy|get|pick up|forget|remember) (?P<item>[a-z0-9 ]+?)(?: ,)? "
        r"(add|put|stick|pop|write) (it|them|that|those|some) (to|on|onto|in) (?P<list>(the |my |our )?[a-z ]*list)$",
        Action.ADD_ITEM,
        "todo",
    ),
    _r(
        "todo-remove",
        r"^(remove|delete|take|cross|strike|scratch) (?P<item>.+?) (off|from|of) (?P<list>(the |my |our )?([a-z]+ ){0,3}(list|groceries|shopping|to do|todo|chores))$",
        Action.REMOVE_ITEM,
        "todo",
    ),
    _r(
        "disarm",
        r"\b(disarm|(deactivate|turn off|switch off|disable|shut off) the( [a-z]+)? (alarm|security)|(alarm|security)( system)? off)\b",
        Action.DISARM,
        "alarm_control_panel",
    ),
    _r(
        "arm",
        r"\b(arm|(activate|turn on|switch on|enable|set|put on) the( [a-z]+)? (alarm|security))\b"
        r"|\b(alarm|security)\b.*\b(to|in|on) (away|home|night|stay)( mode)?\b",
        Action.ARM,
        "alarm_control_panel",
    ),
    _r("unlock", r"\b(unlock|unbolt|unlatch)\b", Action.UNLOCK),
    _r(
        "lock",
        r"^(lock|bolt|secure|latch)\b|\b(lock|bolt|secure|latch) (up )?(the|my|our|all|every|both|it|them)\b"
        r"|\block (up|it|them)\b|\block$|\bmake sure\b.*\b(is |are )?locked\b",
        Action.LOCK,
    ),
    _r(
        "unmute",
        r"\b(unmute|turn the sound back on|sound back on)\b",
        Action.UNMUTE,
        "media_player",
    ),
    _r("mute", r"\b(mute|silence)\b", Action.MUTE, "media_player"),
    _r(
        "next",
        r"\b(next (track|song|episode|one)|skip( (this|the))?( (track|song))?|skip ahead|play the next)\b|^next\b",
        Action.NEXT,
        "media_player",
    ),
    _r(
        "previous",
        r"\b(previous( (track|song|episode))?|last (track|song)|go back (a|one) (track|song)|back (a|one) (track|song)|play the previous|rewind)\b",
        Action.PREVIOUS,
        "media_player",
    ),
    _r(
        "volume-set",
        rf"\bvolume\b.*\b(to|at) {_NUM}%?|\b(set|put|turn) .*\bvolume\b.* {_NUM}%?|\bvolume {_NUM}%?|\bto {_NUM}%? volume\b",
        Action.VOLUME_SET,
        "media_player",
    ),
    _r(
        "volume-up",
        r"\b(louder|volume up|turn up the (volume|sound|music|tv)|turn the (volume|sound|music|tv) up|raise the volume|increase the volume|pump up the volume|crank (it|up))\b",
        Action.VOLUME_UP,
        "media_player",
    ),
    _r(
        "volume-down",
        r"\b(quieter|softer|volume down|turn down the (volume|sound|music|tv)|turn the (volume|sound|music|tv) down|lower the volume|decrease the volume|reduce the volume)\b",
        Action.VOLUME_DOWN,
        "media_player",
    ),
    _r("pause", r"\b(pause)\b", Action.PAUSE),
    _r(
        "resume",
        r"\b(resume|unpause|continue( playing)?|keep playing)\b",
        Action.PLAY,
        "media_player",
    ),
    _r(
        "vacuum-return",
        r"\b(send|return|go|bring|dock)\b.*\b(home|base|dock|charger|charging station|station)\b|\bdock\b",
        Action.RETURN,
        "vacuum",
    ),
    _r("vacuum-locate", r"\b(locate|find|where is)\b", Action.LOCATE, "vacuum"),
    _r(
        "vacuum-start",
        r"^(vacuum|hoover)\b|\b(start|begin) (cleaning|vacuuming|hoovering|mopping)\b|\bclean (the|up)\b",
        Action.START,
        "vacuum",
    ),
    _r(
        "temp-up-by",
        r"\b(up|raise|increase|bump|warmer|higher)\b.*\b(a|one|\d+(?:\.\d+)?) degrees?\b",
        Action.TEMP_UP,
        "climate water_heater",
    ),
    _r(
        "temp-down-by",
        r"\b(down|lower|drop|reduce|decrease|cooler|colder)\b.*\b(a|one|\d+(?:\.\d+)?) degrees?\b",
        Action.TEMP_DOWN,
        "climate water_heater",
    ),
    _r(
        "more-degree",
        r"\b(a|one|\d+) (more|extra) degrees?\b|\b(heating|heat|thermostat|temperature) up (a|one|\d+)\b",
        Action.TEMP_UP,
        "climate water_heater",
    ),
    _r(
        "less-degree",
        r"\b(a|one|\d+) (less|fewer) degrees?\b|\b(heating|heat|thermostat|temperature) down (a|one|\d+)\b",
        Action.TEMP_DOWN,
        "climate water_heater",
    ),
    _r("get-going", r"\b(get|set)\b.*\bgoing\b", Action.ON),
    _r("heat-verb", r"^(heat|warm) (up )?(the|my|our)\b(?!.*\d$)", Action.HVAC_MODE, "climate"),
    _r(
        "kelvin",
        rf"\b{_NUM} ?(k|kelvin)\b",
        Action.COLOR_TEMP,
        "light",
    ),
    _r(
        "temp-up",
        r"\b(warmer|heat (it )?up|turn up the (heat|heating|thermostat|temperature)|turn the (heat|heating|thermostat|temperature) up|raise the (temperature|heat|thermostat)|increase the (temperature|heat)|bump up the (heat|temperature))\b",
        Action.TEMP_UP,
        "climate water_heater",
    ),
    _r(
        "temp-down",
        r"\b(cooler|colder|cool (it )?down|turn down the (heat|heating|thermostat|temperature)|turn the (heat|heating|thermostat|temperature) down|lower the (temperature|heat|thermostat)|decrease the (temperature|heat)|reduce the (temperature|heat))\b",
        Action.TEMP_DOWN,
        "climate water_heater",
    ),
    _r(
        "hvac-mode",
        r"\b(?P<mode>heat cool|fan only|heat|heating|cool|cooling|auto|automatic|dry|off) mode\b"
        r"|\b(to|on|in|into) (heating|cooling|heat cool|fan only|auto|automatic|dry|heat|cool)( mode)?$",
        Action.HVAC_MODE,
        "climate",
    ),
    _r("fan-up", r"\b(faster|speed (it )?up|increase the (fan )?speed)\b", Action.FAN_UP, "fan"),
    _r(
        "fan-down",
        r"\b(slower|slow (it )?down|decrease the (fan )?speed|reduce the (fan )?speed)\b",
        Action.FAN_DOWN,
        "fan",
    ),
    _r("oscillate", r"\b(oscillat\w*|swing\w*)\b", Action.OSCILLATE, "fan"),
    _r(
        "max-bright",
        r"\b(max|maximum|full) brightness\b|\bbrightness (to )?(max|maximum|full)\b",
        Action.SET_PCT,
        "light",
    ),
    _r(
        "full",
        r"\b(at|to|on) (full|max|maximum)( power| speed| brightness| blast)?$|\bfull (power|speed|blast)\b"
        r"|\bmax (it |them |the [a-z ]+ )?out\b",
        Action.SET_PCT,
    ),
    _r("dim-to", rf"\bdim\b.*\b{_PCT}|\bdim\b.*\bto {_NUM}\b", Action.SET_PCT, "light"),
    _r(
        "dim",
        r"\b(dim|dimmer|darker|less light|turn down the lights?|turn the lights? down|lower the lights?)\b",
        Action.BRIGHT_DOWN,
        "light",
    ),
    _r(
        "brighten",
        r"\b(brighten|brighter|lighter|more light|turn up the lights?|turn the lights? up|raise the lights?)\b",
        Action.BRIGHT_UP,
        "light",
    ),
    _r(
        "brightness-set",
        rf"\bbrightness\b.*\b{_NUM}%?|\b{_NUM}% brightness\b",
        Action.SET_PCT,
        "light",
    ),
    _r(
        "color-temp",
        r"\b(?P<ct>warm white|cool white|cold white|soft white|neutral white|natural white|daylight)\b"
        r"|\b(make|set|turn|change|switch)\b.*\b(?P<ct2>warm|cool|neutral|cozy)\b( (light|white|color|colour|tone))?$",
        Action.COLOR_TEMP,
        "light",
    ),
    _r(
        "color",
        r"\b(?P<color>" + "|".join(sorted(COLORS, key=len, reverse=True)) + r")\b",
        Action.COLOR,
        "light",
    ),
    _r(
        "degrees",
        rf"\b{_NUM} degrees?\b|\bset (the )?(heating|heat|thermostat|temperature|climate|ac|air conditioning|boiler|water heater|hot water)\b.*\bto {_NUM}\b|\b(heat|heating|heater|thermostat|temperature|ac|boiler)\b.*\b(to|on|at) {_NUM}\b|\b(heating|thermostat|temperature)( to)? {_NUM}$",
        Action.SET_TEMP,
        "climate water_heater",
    ),
    _r(
        "play",
        r"^(play|start playing)\b|\b(play|start playing) (the|some|music|my)\b|\bplay$",
        Action.PLAY,
        "media_player",
    ),
    _r("toggle", r"\b(toggle|flip)\b", Action.TOGGLE),
    _r(
        "halfway", r"\b(halfway|half way|half open|half)\b", Action.SET_PCT, "cover valve light fan"
    ),
    _r(
        "position",
        rf"\b(open|close|raise|lower|move|set|put)\b.*\b(to|at) {_PCT}|\b(open|close|raise|lower)\b.*\b{_PCT}( of the way)?"
        rf"|\b{_PCT} of the way( open| up)?\b",
        Action.SET_PCT,
    ),
    _r(
        "open",
        r"\b(open|raise|lift|pull up|roll up|draw up|extend|roll out|put out|let out)\b",
        Action.OPEN,
    ),
    _r(
        "close",
        r"\b(close|shut(?! (off|down))|lower|pull down|roll down|draw( down)?|retract|roll in|bring in|pull in)\b",
        Action.CLOSE,
    ),
    _r("step-down", r"\b(turn|put)\b(.*\b)?down\b", Action.STEP_DOWN),
    _r("step-up", r"\b(turn|put)\b(.*\b)?up\b", Action.STEP_UP),
    _r(
        "off",
        r"\b(turn|switch|power|shut|flip|cut|knock|click)\b(.*\b)?off\b|\bshut\b(.*\b)?down\b|\b(kill|disable|deactivate|extinguish)\b|\boff\b",
        Action.OFF,
    ),
    _r(
        "on",
        r"\b(turn|switch|power|flip|put|click|pop|stick)\b(.*\b)?on\b|\bon$|^on\b|\b(enable|activate)\b|\b(lights?|lamps?|lamp|everything|fan|heating|heater|tv)\s+on\b",
        Action.ON,
    ),
    _r(
        "activate",
        r"^(run|start|execute|trigger|launch|do|go)\b|\b(run|execute|trigger|launch|start)\b",
        Action.ACTIVATE,
    ),
    _r("stop", r"\b(stop|halt|freeze)\b", Action.STOP),
    _r(
        "set-pct",
        rf"\b(set|put|turn|change|adjust|move|make)\b.*\b(to|at) {_PCT}|\b{_PCT}$|\bat {_PCT}",
        Action.SET_PCT,
    ),
    _r(
        "set-number",
        rf"\b(set|put|turn|change|adjust|make)\b.*\b(to|at) {_NUM}$|\b(make|set|put) (it|them|that) {_NUM}%?$|\bat {_NUM}$",
        Action.SET_NUMBER,
    ),
    _r("to-pct", rf"\bto {_PCT}$", Action.SET_PCT),
    _r("todo-add-bare", r"^add (?P<item>(?!.*\blist\b)[a-z0-9 ]+)$", Action.ADD_ITEM, "todo"),
    _r("to-number", rf"\bto {_NUM}$", Action.SET_NUMBER),
    _r(
        "todo-need-bare",
        r"^(we|i) (need|are out of|ran out of|have run out of|are running out of|need more|need some) (?P<item>[a-z0-9 ]+?)(?<! on)(?<! off)$",
        Action.ADD_ITEM,
        "todo",
    ),
    _r("fan-speed", r"\b(to|on|at) (low|medium|mid|high)( speed)?$", Action.SET_PCT, "fan"),
    _r(
        "set-mode",
        r"\b(set|switch|put|change|turn)\b.*\b(to|on) (?P<mode>(?!in\b|the\b|at\b)[a-z]+( [a-z]+)?)$",
        Action.SET_MODE,
    ),
)

_NUMERIC = frozenset({Action.SET_PCT, Action.SET_NUMBER, Action.SET_TEMP, Action.VOLUME_SET})
_FAN_WORDS = {
    "low": 33,
    "medium": 67,
    "mid": 67,
    "high": 100,
    "max": 100,
    "maximum": 100,
    "full": 100,
}
_HVAC = {
    "heating": "heat",
    "cooling": "cool",
    "automatic": "auto",
    "heat cool": "heat_cool",
    "fan only": "fan_only",
}


_VERB_TYPES = frozenset({"switch", "vacuum", "hoover", "lock", "heat", "water"})
"""Type words that are verbs when they start a rule: "switch on the lamp", "lock the door"."""
_VALUE_RULES = frozenset(
    {"color", "color-temp", "hvac-mode", "halfway", "set-mode", "fan-speed", "kelvin"}
)


def detect(tokens: list[str], protected: frozenset[int] = frozenset()) -> Intent | None:
    """The first rule that matches ``tokens``, with the positions it consumed.

    ``protected`` positions belong to names ("Green Bedroom", "Movie Night"): a value rule
    (a colour, a mode) never takes its value from inside a name."""
    return next(readings(tokens, protected), None)


def detect_among(tokens: list[str], names: frozenset[str]) -> Intent | None:
    """``detect(tokens)`` when that reading is by one of the rules ``names``, else None.

    The rules after the last of them are never tried: on long text they are most of the
    cost, as a rule like ``turn .* down`` that fails costs the text's length for each
    ``turn`` in it."""
    last = max(i for i, rule in enumerate(_RULES) if rule.name in names)
    first = next(readings(tokens, rules=_RULES[: last + 1]), None)
    return first if first is not None and first.rule in names else None


def readings(
    tokens: list[str], protected: frozenset[int] = frozenset(), rules: Sequence[_Rule] = _RULES
) -> Iterator[Intent]:
    """Every rule's reading of ``tokens``, best first (one per rule)."""
    text = " ".join(tokens)
    starts = _token_starts(tokens)
    for rule in rules:
        for match in rule.pattern.finditer(text):
            intent = Intent(
                rule.action,
                None,
                set(),
                rule.domains,
                rule.name,
                indirect=rule.indirect,
                words=tokens,
            )
            _consume(intent, starts, match, tokens, protected)
            if rule.indirect:  # the whole idiom: "it's like a sauna in here"
                intent.consumed |= {
                    i for i, st in enumerate(starts) if match.start() <= st < match.end()
                }
            if rule.name in _VALUE_RULES and _value_in_name(match, starts, tokens, protected):
                continue
            intent.value = _value(rule, match, tokens)
            if rule.action is Action.ARM:
                intent.consumed |= {i for i, t in enumerate(tokens) if t in _ARM_WORDS}
            if rule.action in {Action.COLOR, Action.COLOR_TEMP}:
                _brightness_too(intent, tokens)
            if len(tokens) > 1 and tokens[0] in _VERB_TYPES and tokens[1] in _AFTER_VERB:
                intent.consumed.add(0)  # "switch the conservatory to cooling": a verb, not a switch
            yield intent
            break


_AFTER_VERB = frozenset(
    {"the", "on", "off", "it", "my", "our", "all", "everything", "to", "up", "a", "them", "every"}
)


def _value_in_name(
    match: re.Match[str], starts: list[int], tokens: list[str], protected: frozenset[int]
) -> bool:
    """The rule's own words ("green", "cool") lie inside a name ("Green Bedroom")."""
    return any(
        match.start() <= start < match.end() and is_rule_word(tokens[i])
        for i, start in enumerate(starts)
        if i in protected
    )


def _brightness_too(intent: Intent, tokens: list[str]) -> None:
    """``green at 50 percent``: a colour and a brightness in one request."""
    for i, token in enumerate(tokens):
        number = re.fullmatch(r"(\d+(?:\.\d+)?)%", token)
        if number is not None:
            intent.extra["brightness_pct"] = round(float(number.group(1)))
            intent.consumed.add(i)
        elif token in {"half", "full"} and tokens[i + 1 : i + 2] == ["brightness"]:
            intent.extra["brightness_pct"] = 50 if token == "half" else 100
            intent.consumed |= {i, i + 1}


def _token_starts(tokens: list[str]) -> list[int]:
    starts, pos = [], 0
    for token in tokens:
        starts.append(pos)
        pos += len(token) + 1
    return starts


def _consume(
    intent: Intent,
    starts: list[int],
    match: re.Match[str],
    tokens: list[str],
    protected: frozenset[int],
) -> None:
    # Only the words a rule is made of are taken; target words inside the match
    # ("turn <the kitchen lights> off") stay for entity resolution, type words too.
    item = next(
        (
            match.span(g)
            for g in ("item", "item2", "mode", "who")
            if g in match.re.groupindex and match.group(g)
        ),
        None,
    )
    for i, start in enumerate(starts):
        if not match.start() <= start < match.end():
            continue
        word = tokens[i]
        if i in protected and not (item is not None and item[0] <= start < item[1]):
            continue  # part of a name: "Back Door", "To-do list"
        if (
            start == match.start()
            and is_rule_word(word)
            and ((singular(word),) not in TYPE_WORDS or word in _VERB_TYPES)
        ):
            intent.consumed.add(i)  # the verb: "switch on the lamp" names no switch
        elif (item is not None and item[0] <= start < item[1]) or (
            is_rule_word(word) and (singular(word),) not in TYPE_WORDS
        ):
            intent.consumed.add(i)


_RULE_WORDS = frozenset(
    [
        "turn",
        "switch",
        "power",
        "put",
        "flip",
        "shut",
        "cut",
        "kill",
        "click",
        "knock",
        "on",
        "off",
        "down",
        "up",
        "set",
        "change",
        "adjust",
        "move",
        "make",
        "to",
        "at",
        "dim",
        "dimmer",
        "darker",
        "lighter",
        "brighten",
        "brighter",
        "brightness",
        "volume",
        "louder",
        "quieter",
        "softer",
        "it",
        "is",
        "too",
        "so",
        "very",
        "open",
        "close",
        "raise",
        "lower",
        "lift",
        "pull",
        "roll",
        "draw",
        "halfway",
        "half",
        "way",
        "mode",
        "heat",
        "heating",
        "cool",
        "cooling",
        "auto",
        "automatic",
        "dry",
        "fan",
        "only",
        "warm",
        "white",
        "cold",
        "soft",
        "neutral",
        "natural",
        "daylight",
        "degree",
        "degrees",
        "percent",
        "enable",
        "disable",
        "activate",
        "deactivate",
        "toggle",
        "lock",
        "unlock",
        "bolt",
        "unbolt",
        "latch",
        "unlatch",
        "secure",
        "stop",
        "halt",
        "play",
        "pause",
        "resume",
        "continue",
        "next",
        "previous",
        "skip",
        "back",
        "track",
        "song",
        "mute",
        "unmute",
        "silence",
        "arm",
        "disarm",
        "alarm",
        "security",
        "vacuum",
        "clean",
        "cleaning",
        "start",
        "begin",
        "send",
        "return",
        "go",
        "bring",
        "dock",
        "home",
        "base",
        "charger",
        "station",
        "locate",
        "find",
        "where",
        "run",
        "execute",
        "trigger",
        "launch",
        "do",
        "faster",
        "slower",
        "speed",
        "increase",
        "decrease",
        "reduce",
        "oscillate",
        "oscillating",
        "swing",
        "max",
        "maximum",
        "full",
        "more",
        "less",
        "sound",
        "temperature",
        "extinguish",
        "up",
        "night",
        "away",
        "vacation",
        "holiday",
        "stay",
        "staying",
        "sleep",
        "bedtime",
        "dark",
        "bright",
        "cold",
        "hot",
        "warm",
        "loud",
        "quiet",
        "hear",
        "see",
        "freezing",
        "chilly",
        "boiling",
        "noisy",
        "black",
        "pitch",
        "blinding",
        "much",
        "need",
        "sweating",
        "roasting",
        "can",
        "not",
        "add",
        "pop",
        "stick",
        "write",
        "include",
        "remove",
        "delete",
        "take",
        "cross",
        "strike",
        "scratch",
        "cozy",
        "tone",
        "colour",
        "color",
        "low",
        "medium",
        "mid",
        "high",
        "blast",
        "warmer",
        "cooler",
        "colder",
        "hotter",
        "brighter",
        "dimmer",
        "darker",
        "louder",
        "quieter",
        "softer",
        "faster",
        "slower",
        "higher",
        "vacuuming",
        "hoovering",
        "mopping",
        "extend",
        "retract",
        "drop",
        "sure",
        "locked",
        "let",
        "sun",
        "eyes",
        "glare",
        "gloomy",
        "steamy",
        "stuffy",
        "muggy",
        "degree",
        "kelvin",
        "k",
        "quarter",
        "brr",
        "notch",
        "nippy",
        "parky",
        "perishing",
        "steamed",
        "going",
        "more",
        "extra",
        "less",
        "pop",
        "water",
        "scene",
        "routine",
        *COLORS,
    ]
)


_TYPO_MIN = 4
"""Shortest word read as a typo of a verb ("of" is not "off")."""
_VERBS = (
    "turn", "switch", "power", "flip", "shut", "kill", "open", "close", "raise", "lower",
    "change", "adjust", "brighten", "lock", "unlock", "stop", "play", "pause", "resume",
    "mute", "unmute", "disarm", "start", "toggle", "activate", "deactivate", "increase",
    "decrease", "reduce", "enable", "disable",
)  # fmt: skip
"""The command verbs a typo is read back to (each a word of the rules)."""
_SLIP_TARGETS = frozenset(w for w in (*_RULE_WORDS, *STOP_WORDS) if w.isalpha() and len(w) >= 3)
"""The words :func:`word_behind_typo` reads a typo back to."""


def is_verb_word(word: str) -> bool:
    """A word of the rules that does not name a device type: not part of any target."""
    return is_rule_word(word) and (singular(word),) not in TYPE_WORDS


def verb_behind_typo(word: str) -> str | None:
    """The one verb of the rules that ``word`` is a single typo away from ("tunr": "turn"),
    or None (a word of the rules, a short word, or no single such verb)."""
    if len(word) < _TYPO_MIN or is_rule_word(word) or not word.isalpha():
        return None
    near = [
        verb
        for verb in _VERBS
        if abs(len(verb) - len(word)) <= 1 and OSA.distance(word, verb, score_cutoff=1) <= 1
    ]
    return near[0] if len(near) == 1 else None


def word_behind_typo(word: str) -> str | None:
    """The one word of the rules or filler word that ``word``, a word neither is, is a single
    slip of the fingers away from ("teh": "the", "degress": "degrees", "sned": "send"), or
    None. A slip is two neighbouring letters swapped, a letter left out, a letter doubled or
    one from a neighbouring key put in or put instead ("pool" is no slip of "cool"). A word of
    three letters counts only with two letters swapped ("teh", not "hot" for "not")."""
    if len(word) < 3 or not word.isalpha() or word in _SLIP_TARGETS or is_rule_word(word):
        return None
    near = [w for w in _SLIP_TARGETS if _slip(word, w) and (len(word) > 3 or len(w) == 3)]
    if len(word) == 3:
        near = [w for w in near if sorted(w) == sorted(word)]
    return near[0] if len(near) == 1 else None


def _slip(typed: str, meant: str) -> bool:
    """``typed`` is ``meant`` with one slip of the fingers (see :func:`word_behind_typo`)."""
    if len(typed) == len(meant):
        diff = [i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b]
        if len(diff) == 1:
            return _near_keys(typed[diff[0]], meant[diff[0]])
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and typed[diff[0]] == meant[diff[1]]
            and typed[diff[1]] == meant[diff[0]]
        )
    if len(typed) == len(meant) - 1:
        return any(meant[:i] + meant[i + 1 :] == typed for i in range(len(meant)))
    if len(typed) == len(meant) + 1:
        return any(
            typed[:i] + typed[i + 1 :] == meant
            and any(
                _near_keys(typed[i], c) for c in typed[max(0, i - 1) : i] + typed[i + 1 : i + 2]
            )
            for i in range(len(typed))
        )
    return False


_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY_SPOTS = {c: (r, i) for r, row in enumerate(_KEY_ROWS) for i, c in enumerate(row)}


def near_keys(char: str) -> str:
    """The keys next to ``char`` on a QWERTY keyboard (rows are staggered: "s" touches
    "w", "e", "a", "d", "z" and "x"); "" for a character that is no letter key."""
    if char not in _KEY_SPOTS:
        return ""
    row, i = _KEY_SPOTS[char]
    spots = [(row, i - 1), (row, i + 1), (row - 1, i), (row - 1, i + 1), (row + 1, i - 1)]
    spots.append((row + 1, i))
    return "".join(
        _KEY_ROWS[r][j] for r, j in spots if 0 <= r < len(_KEY_ROWS) and 0 <= j < len(_KEY_ROWS[r])
    )


def _near_keys(a: str, b: str) -> bool:
    """The same key, or keys next to each other on a QWERTY keyboard."""
    return a == b or b in near_keys(a)


def is_rule_word(word: str) -> bool:
    """A word the intent rules read: a verb or other word of theirs, a number, a percent."""
    return word in _RULE_WORDS or word.endswith("%") or bool(re.fullmatch(r"\d+(\.\d+)?", word))


def _value(rule: _Rule, match: re.Match[str], tokens: list[str]) -> Any:
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    if rule.action in {Action.ADD_ITEM, Action.REMOVE_ITEM}:
        return (groups.get("item") or groups.get("item2") or "").strip()
    if rule.name in {"max-bright", "full"}:
        return 100.0
    if rule.name in {"more-degree", "less-degree"}:
        amount = re.search(r"\d+(?:\.\d+)?", match.group(0))
        return float(amount.group(0)) if amount else 1.0
    if rule.name in {"temp-up-by", "temp-down-by"}:
        amount = re.search(r"(\d+(?:\.\d+)?) degree", match.group(0))
        return float(amount.group(1)) if amount else 1.0
    if rule.name == "kelvin":
        return round(float(re.findall(r"\d+(?:\.\d+)?", match.group(0))[0]))
    if rule.name == "heat-verb":
        return "heat"
    if rule.name == "fan-speed":
        return float(next(v for k, v in _FAN_WORDS.items() if k in match.group(0).split()))
    if rule.action is Action.SET_MODE:
        return groups["mode"].strip()
    if rule.name == "halfway":
        return 50.0
    number = re.search(r"\d+(?:\.\d+)?", match.group(0))
    if number is not None and rule.action in _NUMERIC:
        return float(number.group(0))
    if rule.action is Action.COLOR:
        return list(COLORS[groups["color"]])
    if rule.action is Action.COLOR_TEMP:
        phrase = groups.get("ct") or groups.get("ct2") or "warm"
        return COLOR_TEMPS.get(tuple(phrase.split()), 2700)
    if rule.action is Action.HVAC_MODE:
        found = re.search(
            r"heat cool|fan only|heating|cooling|automatic|heat|cool|auto|dry|off", match.group(0)
        )
        mode = found.group(0) if found else "auto"
        return _HVAC.get(mode, mode)
    if rule.action is Action.ARM:
        return arm_mode(tokens)
    if rule.action is Action.OSCILLATE:
        return not any(t in {"stop", "off", "no", "disable"} for t in tokens)
    return None


_ARM_WORDS = frozenset(
    {"home", "stay", "staying", "night", "sleep", "bedtime", "vacation", "holiday", "away"}
)


def arm_mode(tokens: list[str]) -> str:
    """Which arm service the words ask for: night, home (staying in) or away."""
    words = set(tokens)
    if "away" in words or {"leaving", "out"} & words:
        return "alarm_arm_away"
    if "night" in words:
        return "alarm_arm_night"
    if words & {"home", "stay", "staying", "bed", "sleep", "bedtime"}:
        return "alarm_arm_home"
    if {"vacation", "holiday"} & words and "mode" in words:
        return "alarm_arm_vacation"
    return "alarm_arm_away"
