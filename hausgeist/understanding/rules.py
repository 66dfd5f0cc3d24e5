"""The intent rules: a table of descriptors, tried in order; the first that matches decides.

Each :class:`~hausgeist.understanding.reading.IntentRule` carries its pattern, its action,
the domains it fits, the reader of its value and what else it implies, so that no code
elsewhere needs to know a rule by its name."""

from __future__ import annotations

import re

from hausgeist.understanding import values
from hausgeist.understanding.reading import Action, IntentRule, ValueReader, no_value
from hausgeist.understanding.vocabulary import COLORS


def _rule(
    name: str,
    pattern: str,
    action: Action,
    domains: str | None = None,
    *,
    value: ValueReader = no_value,
    indirect: bool = False,
    not_in_names: bool = False,
    whole_sentence: bool = False,
    entrances_only: bool = False,
    named_only: bool = False,
    shopping: bool = False,
) -> IntentRule:
    return IntentRule(
        name,
        re.compile(pattern),
        action,
        frozenset(domains.split()) if domains else None,
        value_reader=value,
        indirect=indirect,
        not_in_names=not_in_names,
        whole_sentence=whole_sentence,
        entrances_only=entrances_only,
        named_only=named_only,
        shopping=shopping,
    )


_NUM = r"\d+(?:\.\d+)?"
_PART = r"fan speed|fan mode|fan|swing mode|swing|louvres?|louvers?|vanes?|flaps?|fins|air ?flow"
_PCT = r"\d+(?:\.\d+)?%"

# Ordered: the first rule that matches decides the action.
RULES: tuple[IntentRule, ...] = (
    _rule(
        "indirect-dark",
        r"\b(too dark|very dark|so dark|it is dark|can not see|cannot see|pitch black|need (some )?more light)\b",
        Action.ON,
        "light",
        indirect=True,
    ),
    _rule(
        "indirect-sun",
        r"\bsun\b.*\b(eyes|blinding|glare|bright|hot|face|screen)\b|\bglare\b",
        Action.CLOSE,
        "cover",
        indirect=True,
    ),
    _rule(
        "indirect-bright",
        r"\b(too bright|so bright|too much light|blinding)\b",
        Action.BRIGHT_DOWN,
        "light",
        indirect=True,
    ),
    _rule(
        "indirect-cold",
        r"\b(too cold|so cold|freezing|chilly|nippy|parky|perishing|arctic|i am cold|cold in here|it is cold)\b",
        Action.TEMP_UP,
        "climate",
        indirect=True,
    ),
    _rule(
        "indirect-hot",
        r"\b(too hot|too warm|so hot|boiling|i am hot|sweating|roasting|sweltering|stifling|baking|like a sauna|like an oven|hot in here|it is hot)\b",
        Action.TEMP_DOWN,
        "climate",
        indirect=True,
    ),
    _rule(
        "indirect-loud",
        r"\b(too loud|so loud|too noisy)\b",
        Action.VOLUME_DOWN,
        "media_player",
        indirect=True,
    ),
    _rule(
        "indirect-quiet",
        r"\b(can not hear|cannot hear|too quiet|too soft)\b",
        Action.VOLUME_UP,
        "media_player",
        indirect=True,
    ),
    _rule(
        "indirect-gloomy",
        r"\b(gloomy|dim in here|dingy|really dark|so dark|dark out|dark in)\b",
        Action.ON,
        "light",
        indirect=True,
    ),
    _rule(
        "indirect-steamy", r"\b(steamy|stuffy|muggy|steamed up)\b", Action.ON, "fan", indirect=True
    ),
    _rule(
        "let-in",
        r"\blet (?P<who>me|us|them|him|her|the [a-z]+( [a-z]+)?) in\b",
        Action.OPEN,
        "lock cover",
        entrances_only=True,
    ),
    _rule("scene", r"\b(scene|routine)\b", Action.ACTIVATE, "scene script"),
    _rule("water-verb", r"^water (the|my|our)\b", Action.ACTIVATE, "valve switch"),
    _rule("awning-out", r"\bawning\b.*\bout\b|\bout\b.*\bawning\b", Action.OPEN, "cover"),
    _rule("awning-in", r"\bawning\b.*\bin\b|\bin\b.*\bawning\b", Action.CLOSE, "cover"),
    _rule(
        "todo-add",
        r"^(add|put|stick|write|include|pop) (?P<item>.+?) (to|on|onto|in|into) (?P<list>(the |my |our )?([a-z]+ ){0,3}(list|groceries|shopping|to do|todo|chores))$"
        r"|^(the |my )?(shopping|grocery|grocerie|to do|todo) list,? (add )?(?P<item2>.+)$",
        Action.ADD_ITEM,
        "todo",
        value=values.item,
        whole_sentence=True,
    ),
    _rule(
        # "add screws to the hardware store": a list named without the word "list"; read
        # only where the words after "to" name a list (they stay for the target).
        "todo-add-named",
        r"^(add|put|stick|write|include|pop) (?P<item>.+?) (to|on|onto) (the |my |our )?[a-z]+( [a-z]+){0,3}$",
        Action.ADD_ITEM,
        "todo",
        value=values.item,
        whole_sentence=True,
        named_only=True,
    ),
    _rule(
        "todo-need",
        r"\b(out of|need more|need some|need|ran out of|run out of|buy|get|pick up|forget|remember) (?P<item>[a-z0-9 ]+?)(?: ,)? "
        r"(add|put|stick|pop|write) (it|them|that|those|some) (to|on|onto|in) (?P<list>(the |my |our )?[a-z ]*list)$",
        Action.ADD_ITEM,
        "todo",
        value=values.item,
        shopping=True,
        whole_sentence=True,
    ),
    _rule(
        "todo-remove",
        r"^(remove|delete|take|cross|strike|scratch) (?P<item>.+?) (off|from|of) (?P<list>(the |my |our )?([a-z]+ ){0,3}(list|groceries|shopping|to do|todo|chores))$",
        Action.REMOVE_ITEM,
        "todo",
        value=values.item,
        whole_sentence=True,
    ),
    _rule(
        "disarm",
        r"\b(disarm|(deactivate|turn off|switch off|disable|shut off) the( [a-z]+)? (alarm|security)|(alarm|security)( system)? off)\b",
        Action.DISARM,
        "alarm_control_panel",
    ),
    _rule(
        "arm",
        r"\b(arm|(activate|turn on|switch on|enable|set|put on) the( [a-z]+)? (alarm|security))\b"
        r"|\b(alarm|security)\b.*\b(to|in|on) (away|home|night|stay)( mode)?\b",
        Action.ARM,
        "alarm_control_panel",
        value=values.arm,
    ),
    _rule("unlock", r"\b(unlock|unbolt|unlatch)\b", Action.UNLOCK),
    _rule(
        "lock",
        r"^(lock|bolt|secure|latch)\b|\b(lock|bolt|secure|latch) (up )?(the|my|our|all|every|both|it|them)\b"
        r"|\block (up|it|them)\b|\block$|\bmake sure\b.*\b(is |are )?locked\b",
        Action.LOCK,
    ),
    _rule(
        "unmute",
        r"\b(unmute|turn the sound back on|sound back on)\b",
        Action.UNMUTE,
        "media_player",
    ),
    _rule("mute", r"\b(mute|silence)\b", Action.MUTE, "media_player"),
    _rule(
        "next",
        r"\b(next (track|song|episode|one)|skip( (this|the))?( (track|song))?|skip ahead|play the next)\b|^next\b",
        Action.NEXT,
        "media_player",
    ),
    _rule(
        "previous",
        r"\b(previous( (track|song|episode))?|last (track|song)|go back (a|one) (track|song)|back (a|one) (track|song)|play the previous|rewind)\b",
        Action.PREVIOUS,
        "media_player",
    ),
    _rule(
        "volume-set",
        rf"\bvolume\b.*\b(to|at) {_NUM}%?|\b(set|put|turn) .*\bvolume\b.* {_NUM}%?|\bvolume {_NUM}%?|\bto {_NUM}%? volume\b",
        Action.VOLUME_SET,
        "media_player",
        value=values.number,
    ),
    _rule(
        "volume-up",
        r"\b(louder|volume up|turn up the (volume|sound|music|tv)|turn the (volume|sound|music|tv) up|raise the volume|increase the volume|pump up the volume|crank (it|up))\b",
        Action.VOLUME_UP,
        "media_player",
    ),
    _rule(
        "volume-down",
        r"\b(quieter|softer|volume down|turn down the (volume|sound|music|tv)|turn the (volume|sound|music|tv) down|lower the volume|decrease the volume|reduce the volume)\b",
        Action.VOLUME_DOWN,
        "media_player",
    ),
    _rule("pause", r"\b(pause)\b", Action.PAUSE),
    _rule(
        "resume",
        r"\b(resume|unpause|continue( playing)?|keep playing)\b",
        Action.PLAY,
        "media_player",
    ),
    _rule(
        "vacuum-return",
        r"\b(send|return|go|bring|dock)\b.*\b(home|base|dock|charger|charging station|station)\b|\bdock\b",
        Action.RETURN,
        "vacuum",
    ),
    _rule("vacuum-locate", r"\b(locate|find|where is)\b", Action.LOCATE, "vacuum"),
    _rule(
        "vacuum-start",
        r"^(vacuum|hoover)\b|\b(start|begin) (cleaning|vacuuming|hoovering|mopping)\b|\bclean (the|up)\b",
        Action.START,
        "vacuum",
    ),
    _rule(
        "temp-up-by",
        r"\b(up|raise|increase|bump|warmer|higher)\b.*\b(a|one|\d+(?:\.\d+)?) degrees?\b",
        Action.TEMP_UP,
        "climate water_heater",
        value=values.degrees_by,
    ),
    _rule(
        "temp-down-by",
        r"\b(down|lower|drop|reduce|decrease|cooler|colder)\b.*\b(a|one|\d+(?:\.\d+)?) degrees?\b",
        Action.TEMP_DOWN,
        "climate water_heater",
        value=values.degrees_by,
    ),
    _rule(
        "more-degree",
        r"\b(a|one|\d+) (more|extra) degrees?\b|\b(heating|heat|thermostat|temperature) up (a|one|\d+)\b",
        Action.TEMP_UP,
        "climate water_heater",
        value=values.degrees_more,
    ),
    _rule(
        "less-degree",
        r"\b(a|one|\d+) (less|fewer) degrees?\b|\b(heating|heat|thermostat|temperature) down (a|one|\d+)\b",
        Action.TEMP_DOWN,
        "climate water_heater",
        value=values.degrees_more,
    ),
    _rule("get-going", r"\b(get|set)\b.*\bgoing\b", Action.ON),
    _rule(
        "heat-verb",
        r"^(heat|warm) (up )?(the|my|our)\b(?!.*\d$)",
        Action.HVAC_MODE,
        "climate",
        value=values.constant("heat"),
    ),
    _rule(
        "kelvin",
        rf"\b{_NUM} ?(k|kelvin)\b",
        Action.COLOR_TEMP,
        "light",
        value=values.kelvin,
        not_in_names=True,
    ),
    _rule(
        "temp-up",
        r"\b(warmer|heat (it )?up|turn up the (heat|heating|thermostat|temperature)|turn the (heat|heating|thermostat|temperature) up|raise the (temperature|heat|thermostat)|increase the (temperature|heat)|bump up the (heat|temperature))\b",
        Action.TEMP_UP,
        "climate water_heater",
    ),
    _rule(
        "temp-down",
        r"\b(cooler|colder|cool (it )?down|turn down the (heat|heating|thermostat|temperature)|turn the (heat|heating|thermostat|temperature) down|lower the (temperature|heat|thermostat)|decrease the (temperature|heat)|reduce the (temperature|heat))\b",
        Action.TEMP_DOWN,
        "climate water_heater",
    ),
    _rule(
        "climate-part",
        rf"\b(?P<part>{_PART})\b.*\b(?:to|on|at|in|into) (?:the )?"
        r"(?P<mode>(?!the\b|a\b|it\b)[a-z]+(?: [a-z]+)?)$",
        Action.SET_MODE,
        "climate",
        value=values.part_mode,
        named_only=True,
    ),
    _rule(
        "climate-part-switch",
        rf"^(?:turn|switch|put|stop) (?:(?:on|off) )?(?:the )?(?P<part>{_PART})\b(?: (?:on|off)\b)?",
        Action.SET_MODE,
        "climate",
        value=values.part_switch,
        named_only=True,
    ),
    _rule(
        "hvac-mode",
        r"\b(?P<mode>heat cool|fan only|heat|heating|cool|cooling|auto|automatic|dry|off) mode\b"
        r"|\b(to|on|in|into) (heating|cooling|heat cool|fan only|auto|automatic|dry|heat|cool)( mode)?$",
        Action.HVAC_MODE,
        "climate",
        value=values.hvac_mode,
        not_in_names=True,
    ),
    _rule(
        "fan-speed",
        r"\b(to|on|at) (low|medium|mid|high)( speed)?$",
        Action.SET_PCT,
        "fan",
        value=values.fan_speed,
        not_in_names=True,
    ),
    _rule(
        "named-mode",
        r"\b(?:to|on|in|into) (?:the )?(?P<mode>(?!the\b|a\b)[a-z]+(?: [a-z]+)?) mode$",
        Action.SET_MODE,
        value=values.mode,
        not_in_names=True,
    ),
    _rule("fan-up", r"\b(faster|speed (it )?up|increase the (fan )?speed)\b", Action.FAN_UP, "fan"),
    _rule(
        "fan-down",
        r"\b(slower|slow (it )?down|decrease the (fan )?speed|reduce the (fan )?speed)\b",
        Action.FAN_DOWN,
        "fan",
    ),
    _rule(
        "oscillate", r"\b(oscillat\w*|swing\w*)\b", Action.OSCILLATE, "fan", value=values.oscillate
    ),
    _rule(
        "max-bright",
        r"\b(max|maximum|full) brightness\b|\bbrightness (to )?(max|maximum|full)\b",
        Action.SET_PCT,
        "light",
        value=values.constant(100.0),
    ),
    _rule(
        "full",
        r"\b(at|to|on) (full|max|maximum)( power| speed| brightness| blast)?$|\bfull (power|speed|blast)\b"
        r"|\bmax (it |them |the [a-z ]+ )?out\b",
        Action.SET_PCT,
        value=values.constant(100.0),
    ),
    _rule(
        "dim-to",
        rf"\bdim\b.*\b{_PCT}|\bdim\b.*\bto {_NUM}\b",
        Action.SET_PCT,
        "light",
        value=values.number,
    ),
    _rule(
        "dim",
        r"\b(dim|dimmer|darker|less light|turn down the lights?|turn the lights? down|lower the lights?)\b",
        Action.BRIGHT_DOWN,
        "light",
    ),
    _rule(
        "brighten",
        r"\b(brighten|brighter|lighter|more light|turn up the lights?|turn the lights? up|raise the lights?)\b",
        Action.BRIGHT_UP,
        "light",
    ),
    _rule(
        "brightness-set",
        rf"\bbrightness\b.*\b{_NUM}%?|\b{_NUM}% brightness\b",
        Action.SET_PCT,
        "light",
        value=values.number,
    ),
    _rule(
        "color-temp",
        r"\b(?P<ct>warm white|cool white|cold white|soft white|neutral white|natural white|daylight)\b"
        r"|\b(make|set|turn|change|switch)\b.*\b(?P<ct2>warm|cool|neutral|cozy)\b( (light|white|color|colour|tone))?$",
        Action.COLOR_TEMP,
        "light",
        value=values.color_temp,
        not_in_names=True,
    ),
    _rule(
        "color",
        r"\b(?P<color>" + "|".join(sorted(COLORS, key=len, reverse=True)) + r")\b",
        Action.COLOR,
        "light",
        value=values.color,
        not_in_names=True,
    ),
    _rule(
        "degrees",
        rf"\b{_NUM} degrees?\b|\bset (the )?(heating|heat|thermostat|temperature|climate|ac|air conditioning|boiler|water heater|hot water)\b.*\bto {_NUM}\b|\b(heat|heating|heater|thermostat|temperature|ac|boiler)\b.*\b(to|on|at) {_NUM}\b|\b(heating|thermostat|temperature)( to)? {_NUM}$",
        Action.SET_TEMP,
        "climate water_heater",
        value=values.number,
    ),
    _rule(
        "play",
        r"^(play|start playing)\b|\b(play|start playing) (the|some|music|my)\b|\bplay$",
        Action.PLAY,
        "media_player",
    ),
    # "flip it on", "toggle off the fan": an "on" or "off" of its own makes it that verb (below)
    _rule("toggle", r"\b(toggle|flip)\b(?!(.*\b)?(on|off)\b)", Action.TOGGLE),
    _rule(
        "halfway",
        r"\b(halfway|half way|half open|half)\b",
        Action.SET_PCT,
        "cover valve light fan",
        value=values.constant(50.0),
        not_in_names=True,
    ),
    _rule(
        "position",
        rf"\b(open|close|raise|lower|move|set|put)\b.*\b(to|at) {_PCT}|\b(open|close|raise|lower)\b.*\b{_PCT}( of the way)?"
        rf"|\b{_PCT} of the way( open| up)?\b",
        Action.SET_PCT,
        value=values.number,
    ),
    _rule(
        "open",
        r"\b(open|raise|lift|pull up|roll up|draw up|extend|roll out|put out|let out)\b",
        Action.OPEN,
    ),
    _rule(
        "close",
        r"\b(close|shut(?! (off|down))|lower|pull down|roll down|draw( down)?|retract|roll in|bring in|pull in)\b",
        Action.CLOSE,
    ),
    _rule("step-down", r"\b(turn|put)\b(.*\b)?down\b", Action.STEP_DOWN),
    _rule("step-up", r"\b(turn|put)\b(.*\b)?up\b", Action.STEP_UP),
    _rule(
        "off",
        r"\b(turn|switch|power|shut|flip|toggle|cut|knock|click)\b(.*\b)?off\b|\bshut\b(.*\b)?down\b|\b(kill|disable|deactivate|extinguish)\b|\boff\b",
        Action.OFF,
    ),
    _rule(
        "on",
        r"\b(turn|switch|power|flip|toggle|put|click|pop|stick)\b(.*\b)?on\b|\bon$|^on\b|\b(enable|activate)\b|\b(lights?|lamps?|lamp|everything|fan|heating|heater|tv)\s+on\b",
        Action.ON,
    ),
    _rule("press", r"^(press|push|hit|tap)\b", Action.PRESS, "button input_button"),
    _rule(
        "activate",
        r"^(run|start|execute|trigger|launch|do|go)\b|\b(run|execute|trigger|launch|start)\b",
        Action.ACTIVATE,
    ),
    _rule("stop", r"\b(stop|halt|freeze)\b", Action.STOP),
    _rule(
        "set-pct",
        rf"\b(set|put|turn|change|adjust|move|make)\b.*\b(to|at) {_PCT}|\b{_PCT}$|\bat {_PCT}",
        Action.SET_PCT,
        value=values.number,
    ),
    _rule(
        "set-number",
        rf"\b(set|put|turn|change|adjust|make)\b.*\b(to|at) {_NUM}$|\b(make|set|put) (it|them|that) {_NUM}%?$|\bat {_NUM}$",
        Action.SET_NUMBER,
        value=values.number,
    ),
    _rule("to-pct", rf"\bto {_PCT}$", Action.SET_PCT, value=values.number),
    _rule(
        "todo-add-bare",
        r"^add (?P<item>(?!.*\blist\b)[a-z0-9 ]+)$",
        Action.ADD_ITEM,
        "todo",
        value=values.item,
    ),
    _rule("to-number", rf"\bto {_NUM}$", Action.SET_NUMBER, value=values.number),
    _rule(
        "todo-need-bare",
        r"^(we|i) (need|are out of|ran out of|have run out of|are running out of|need more|need some) (?P<item>[a-z0-9 ]+?)(?<! on)(?<! off)$",
        Action.ADD_ITEM,
        "todo",
        value=values.item,
        shopping=True,
    ),
    _rule(
        "set-mode",
        r"\b(set|switch|put|change|turn)\b.*\b(to|on) (?P<mode>(?!in\b|the\b|at\b)[a-z]+( [a-z]+)?)$",
        Action.SET_MODE,
        value=values.mode,
        not_in_names=True,
    ),
)

BARE_NAME = IntentRule("bare-name", None, Action.ACTIVATE, frozenset({"scene", "script"}))
"""Not read from words: a scene or script said by its name alone ("movie night") is run."""
