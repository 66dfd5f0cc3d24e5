"""A rule from plain words: "when the hallway motion sensor sees motion after sunset, turn on
the hallway light for five minutes" becomes a Home Assistant automation.

Deterministic first: the time words (:mod:`schedule`), the device trigger and its
conditions (:mod:`entities`), and the actions, which the understanding core reads as it
reads a spoken command. What the words leave unread goes to the local model where one is
given: action words to the LLM stage (validated and agreed with the words like any spoken
command it decides), an event in odd words to a choice among the events of the devices and
rooms the words name, under a grammar of only those. A rule is made only when every part is
certain: a device that several fit, an action the core would ask about, a model that is not
sure, or an action the safety policy guards (unlocking, opening a garage door, disarming) is
refused with the reason; the reply says what the model read, and nothing is saved before a
yes."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hausgeist.automations.words.entities import EntityWords, Said, WordsError, to_states
from hausgeist.automations.words.schedule import read_schedule
from hausgeist.automations.words.summary import summarize
from hausgeist.automations.words.times import (
    duration_at,
    find_duration,
    hhmmss,
    protect_clock_times,
)
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device
from hausgeist.devices.state import StateStore
from hausgeist.understanding import Request, Status, Understanding
from hausgeist.understanding.policy import is_sensitive
from hausgeist.understanding.text import tokenize

MAX_CHARS = 2000
_INTROS = ("as soon as", "whenever", "when", "once", "if")
_LINKS = frozenset({"is", "are", "be", "been", "left", "gets", "get", "was", "stays", "remains"})
_VERBS = frozenset(
    {
        *("turn", "switch", "set", "dim", "open", "close", "lock", "unlock", "start", "stop"),
        *("pause", "play", "mute", "activate", "run", "put", "arm", "disarm", "make", "send"),
        *("raise", "lower", "brighten", "shut", "resume", "return", "toggle"),
    }
)
_REVERSE = {
    "turn_on": "turn_off",
    "open_cover": "close_cover",
    "open_valve": "close_valve",
    "media_play": "media_pause",
    "start": "return_to_base",
}
_ACTIONABLE = frozenset(
    {
        *("light", "switch", "fan", "cover", "lock", "media_player", "climate", "vacuum"),
        *("valve", "humidifier", "water_heater", "input_boolean"),
    }
)


class _NoActionError(WordsError):
    """Words with an event and no action."""


ActionsByModel = Callable[[str], list[ServiceCall] | None]
"""The local model's calls for action words the core cannot read (validated and agreed with
the words as any spoken command the stage decides); None when it declines."""
ChoiceByModel = Callable[[str, Sequence[str], str], str | None]
"""(question, options, words): the option the model is sure the words mean, or None."""

_EVENT_WORDS = {
    "motion": "sees motion",
    "no_motion": "sees no motion",
    "open": "opens",
    "closed": "closes",
    "unlocked": "is unlocked",
    "locked": "is locked",
    "playing": "starts playing",
    "triggered": "is triggered",
    "disarmed": "is disarmed",
    "docked": "docks",
    "cleaning": "starts cleaning",
    "on": "turns on",
    "off": "turns off",
}
_MAX_EVENT_DEVICES = 8


@dataclass(frozen=True)
class RuleFromWords:
    """What ``automations add`` makes of a sentence."""

    status: str
    """``confirm`` (a rule, to be saved after a yes), ``refused`` or ``not_understood``."""
    automation: dict[str, Any] | None
    """The rule in Home Assistant's format, when one was made."""
    summary: str
    """The rule read back as one plain sentence (never the input echoed)."""
    reply: str
    """What to tell the person."""
    by_model: tuple[str, ...] = ()
    """What the local model read, said in the reply (empty: the words were read without it)."""


class RuleReader:
    """Reads rules from words for one home."""

    def __init__(
        self,
        understanding: Understanding,
        states: StateStore,
        *,
        actions_by_model: ActionsByModel | None = None,
        choice_by_model: ChoiceByModel | None = None,
    ) -> None:
        self.core = understanding
        self.states = states
        self.entities = EntityWords(understanding.registry)
        self.actions_by_model = actions_by_model
        self.choice_by_model = choice_by_model
        self._by_model: list[str] = []

    def read(self, text: str) -> RuleFromWords:
        if len(text) > MAX_CHARS:
            return _refused(f"That is {len(text)} characters; a rule is said in {MAX_CHARS}.")
        self._by_model = []
        try:
            return self._read(tokenize(protect_clock_times(text.casefold())))
        except _NoActionError:
            return _not_understood("I found no action to take: say what should happen.")
        except WordsError as exc:
            return _refused(str(exc))

    def _read(self, tokens: list[str]) -> RuleFromWords:
        schedule = read_schedule(tokens)
        left = _trim(schedule.left())
        intro = _intro(left)
        triggers = list(schedule.triggers)
        conditions = list(schedule.conditions)
        action_words, trigger_device = left, None
        if intro is not None:
            start, end = intro
            trigger_words, action_words = self._split(left, start, end)
            if not trigger_words:
                return _not_understood("I found no event to react to.")
            said, extra, hold = self._trigger(trigger_words, action_words)
            trigger_device = said.device
            trigger: dict[str, Any] = {
                "trigger": "numeric_state"
                if said.kind in {"below", "above", "between"}
                else "state",
                "entity_id": said.device.entity_id,
                **to_states(said),
            }
            if hold:
                trigger["for"] = hhmmss(hold)
            triggers.append(trigger)
            conditions.extend(extra)
        if not triggers:
            return _not_understood(
                "That sounds like a command, not a rule: say when it should happen "
                '("when the door opens, ...", "every day at 7, ...").'
            )
        if len(triggers) > 1:
            return _not_understood("That sounds like more than one rule; say one rule at a time.")
        steps, restart = self._actions(_trim(action_words), trigger_device)
        rule = {
            "triggers": triggers,
            **({"conditions": conditions} if conditions else {}),
            "actions": steps,
            "mode": "restart" if restart else "single",
        }
        summary = summarize(rule, self.core.registry)
        rule = {"id": _rule_id(rule), "alias": _alias(summary), **rule}
        notes = tuple(self._by_model)
        check = f" ({' '.join(notes)} Check it.)" if notes else ""
        return RuleFromWords("confirm", rule, summary, f"{summary}{check} Save this rule?", notes)

    def _split(self, words: list[str], start: int, end: int) -> tuple[list[str], list[str]]:
        """Trigger words and action words around the intro at ``start``..``end``: at the
        first comma or "then" after which an action reads, else at the first place where the
        words before say an event and the words after an action (a verb's place first)."""
        if start > 0:
            return words[end:], words[:start]
        rest = words[end:]
        for i, word in enumerate(rest):
            if word in {",", "then"} and i > 0 and self._acts(rest[i + 1 :]):
                return rest[:i], rest[i + 1 :]
        places = [i for i in range(2, len(rest)) if rest[i] in _VERBS and rest[i - 1] not in _LINKS]
        places += [i for i in range(2, len(rest)) if i not in places]
        for sure in (True, False):
            for i in places:
                if self._acts(rest[i:], sure=sure) and self._says_event(rest[:i]):
                    return rest[:i], rest[i:]
        if self.actions_by_model is not None:  # the model may read what the core cannot
            for i, word in enumerate(rest):
                if word in {",", "then"} and 0 < i < len(rest) - 1:
                    return rest[:i], rest[i + 1 :]
        return rest, []

    def _says_event(self, words: list[str]) -> bool:
        try:
            self.entities.read(_parts(words)[0])
        except WordsError:
            return False
        return True

    def _acts(self, words: list[str], *, sure: bool = False) -> bool:
        """Whether ``words`` ask for an action (``sure``: one the core would carry out)."""
        words = _trim(words)
        if not words or self.core.reading(words) is None:
            return False
        if not sure:
            return True
        decision, _ = self.core.decide(Request(" ".join(words)), self.states)
        return decision.status in {Status.DONE, Status.CONFIRM}

    def _trigger(
        self, words: list[str], action_words: list[str]
    ) -> tuple[Said, list[dict[str, Any]], int]:
        """What the trigger words say, the state conditions beside it, and its ``for``."""
        hold = 0
        found = find_duration(words, "for")
        if found is None:
            more = _for_more_than(words)
            found = more
        if found is not None:
            hold = int(found.value)
            words = words[: found.start] + words[found.end :]
        parts = _parts(words)
        it = self._first_named(action_words)
        try:
            said = self.entities.read(parts[0], it)
        except WordsError:
            chosen = self._event_by_model(parts[0])
            if chosen is None:
                raise
            said = chosen
        conditions = []
        for part in parts[1:]:
            other = self.entities.read(part)
            keys = to_states(other)
            if "to" in keys:
                conditions.append(
                    {"condition": "state", "entity_id": other.device.entity_id, "state": keys["to"]}
                )
            else:
                conditions.append(
                    {"condition": "numeric_state", "entity_id": other.device.entity_id, **keys}
                )
        return said, conditions, hold

    def _event_by_model(self, words: list[str]) -> Said | None:
        """The event odd words mean, chosen by the model among the events of the devices and
        rooms they name (None: no model, nothing named, or the model is not sure)."""
        if self.choice_by_model is None:
            return None
        # the narrowest the words allow: devices named, else of the kind said, else the rooms'
        devices = self.entities.named(words) or self.entities.by_kind(words)
        if not devices:
            areas = set(self.entities.areas(words))
            devices = [d for d in self.core.registry if d.area_id in areas]
        options: dict[str, Said] = {}
        for device in devices:
            for kind in _event_kinds(device):
                options[f"{device.name} {_EVENT_WORDS[kind]}"] = Said(device, kind)
        if not options or len(devices) > _MAX_EVENT_DEVICES:
            return None
        text = " ".join(words)
        chosen = self.choice_by_model("Which event do the words describe?", list(options), text)
        if chosen is None:
            return None
        self._by_model.append(f"The local model read '{text}' as '{chosen}'.")
        return options[chosen]

    def _first_named(self, words: list[str]) -> Device | None:
        named = self.entities.named(words)
        return named[0] if len(named) == 1 else None

    def _actions(self, words: list[str], it: Device | None) -> tuple[list[dict[str, Any]], bool]:
        """The rule's action steps, and whether it should restart when triggered again."""
        if not words:
            raise _NoActionError
        words = _after_correction(words)
        if it is not None and it.domain in _ACTIONABLE:
            words = _replace_it(words, it)
        steps: list[dict[str, Any]] = []
        restart = False
        for segment in _segments(words):
            if segment.kind == "delay":
                steps.append({"delay": hhmmss(segment.seconds)})
                restart = True
            elif segment.kind == "hold":
                done = [s for s in steps if "action" in s]
                if not done:
                    raise WordsError("I can't tell what should last for that long.")
                steps.append({"delay": hhmmss(segment.seconds)})
                steps.extend(_reverse(s) for s in done)
                restart = True
            else:
                part = segment.words
                acts = [s for s in steps if "action" in s]
                if acts and any(w in {"it", "them"} for w in part):
                    last = self.core.registry.get(acts[-1]["target"]["entity_id"])
                    if last is not None:
                        part = _replace_it(part, last)
                steps.extend(self._calls(part))
        return steps, restart

    def _calls(self, words: list[str]) -> list[dict[str, Any]]:
        text = " ".join(words)
        decision, _ = self.core.decide(Request(text), self.states)
        if decision.status is Status.CLARIFY:
            raise WordsError(f"{decision.reply} A rule is not made on a guess: name the device.")
        if decision.status is Status.REFUSED:
            raise WordsError(decision.reply)
        if decision.status not in {Status.DONE, Status.CONFIRM}:
            calls = self.actions_by_model(text) if self.actions_by_model is not None else None
            if not calls:
                raise WordsError(f"I couldn't read the action '{text}'.")
            said = "; ".join(f"{c.service} {c.entity_id}" for c in calls)
            self._by_model.append(f"The local model read '{text}' as {said}.")
        else:
            calls = [*decision.actions, *decision.pending]
        guarded = [c for c in calls if is_sensitive(c, self.core.registry)]
        if guarded:
            what = ", ".join(f"{c.service} {c.entity_id}" for c in guarded)
            raise WordsError(
                f"A rule made from words never does what the safety policy guards ({what}); "
                "write it in YAML with `policy: allow` if you mean it."
            )
        if not calls:
            raise WordsError(f"'{text}' would do nothing.")
        return [_step(c) for c in calls]


def _event_kinds(device: Device) -> tuple[str, ...]:
    """The events a device's state can say, in the words the reader knows them by."""
    domain, device_class = device.domain, device.device_class
    if domain == "binary_sensor":
        if device_class in {"motion", "occupancy", "presence"}:
            return ("motion", "no_motion")
        if device_class in {"door", "window", "opening", "garage_door", "garage"}:
            return ("open", "closed")
        return ("on", "off")
    return {
        "lock": ("unlocked", "locked"),
        "cover": ("open", "closed"),
        "valve": ("open", "closed"),
        "media_player": ("playing", "off"),
        "vacuum": ("cleaning", "docked"),
        "alarm_control_panel": ("triggered", "disarmed"),
        "light": ("on", "off"),
        "switch": ("on", "off"),
        "fan": ("on", "off"),
        "input_boolean": ("on", "off"),
    }.get(domain, ())


def _step(call: ServiceCall) -> dict[str, Any]:
    step: dict[str, Any] = {"action": call.service, "target": {"entity_id": call.entity_id}}
    if call.data:
        step["data"] = dict(call.data)
    return step


def _reverse(step: dict[str, Any]) -> dict[str, Any]:
    domain, _, name = str(step["action"]).partition(".")
    back = _REVERSE.get(name)
    if back is None:
        raise WordsError(f"I don't know how to undo {step['action']} when the time is up.")
    return {"action": f"{domain}.{back}", "target": dict(step["target"])}


@dataclass(frozen=True)
class _Segment:
    """A piece of the action words: an action, a delay, or a hold (undone when over)."""

    kind: str
    words: list[str]
    seconds: int = 0


def _segments(words: list[str]) -> list[_Segment]:
    """Action words split at "wait 5 minutes", "after 2 minutes", "10 minutes later" (a
    delay) and "for 5 minutes" (a hold: the action is undone when it is over)."""
    out: list[_Segment] = []
    current: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        length = duration_at(words, i + 1) if word in {"wait", "for", "after"} else None
        later = duration_at(words, i)
        if length is not None and word in {"wait", "for"}:
            _flush(out, current)
            out.append(_Segment("delay" if word == "wait" else "hold", [], length.value))
            i = _skip(words, length.end, {",", "then", "and"}) if word == "wait" else length.end
        elif length is not None or (
            later is not None and words[later.end : later.end + 1] == ["later"]
        ):
            found = length if length is not None else later
            assert found is not None
            clause = _last_clause(current)
            _flush(out, current[: len(current) - len(clause)])
            out.append(_Segment("delay", [], found.value))
            out.append(_Segment("act", [w for w in clause if w != "again"]))
            i = found.end + (0 if length is not None else 1)
        else:
            current.append(word)
            i += 1
            continue
        current = []
    _flush(out, current)
    return out


def _flush(out: list[_Segment], words: list[str]) -> None:
    words = _trim([w for w in words if w != "again"])
    if words:
        out.append(_Segment("act", words))


def _skip(words: list[str], i: int, skip: set[str]) -> int:
    while i < len(words) and words[i] in skip:
        i += 1
    return i


def _last_clause(words: list[str]) -> list[str]:
    """The words since the last "and", "," or "then" that start with a verb."""
    for i in range(len(words) - 1, -1, -1):
        if words[i] in {"and", ",", "then"} and i + 1 < len(words) and words[i + 1] in _VERBS:
            return words[i + 1 :]
    return list(words)


def _intro(words: list[str]) -> tuple[int, int] | None:
    """Where a "when"-like word opens the trigger, and where it ends."""
    for i in range(len(words)):
        for intro in _INTROS:
            phrase = intro.split()
            if words[i : i + len(phrase)] == phrase:
                return i, i + len(phrase)
    if words[:1] == ["on"] and len(words) > 1 and words[1] not in {"the"} | _VERBS:
        return 0, 1
    return None


def _parts(words: list[str]) -> list[list[str]]:
    """The trigger words, then each state said beside them ("and the alarm is armed")."""
    parts: list[list[str]] = [[]]
    for i, word in enumerate(words):
        between = 0 < i < len(words) - 1 and _number(words[i - 1]) and _number(words[i + 1])
        if word in {"and", "while", "whilst"} and parts[-1] and not between:
            parts.append([])
        elif word != ",":
            parts[-1].append(word)
    return [p for p in parts if p] or [[]]


def _number(word: str) -> bool:
    return word.rstrip("%").replace(".", "", 1).isdigit()


def _for_more_than(words: list[str]) -> Any:
    for i in range(len(words) - 3):
        if words[i : i + 3] == ["for", "more", "than"]:
            found = duration_at(words, i + 3)
            if found is not None:
                return type(found)(i, found.end, found.value)
    return None


def _after_correction(words: list[str]) -> list[str]:
    """ "turn on the humidifier ... no, turn off the humidifier": what was said last."""
    for i in range(len(words) - 1, 0, -1):
        if words[i] == "no" and i + 1 < len(words) and words[i + 1] == ",":
            return words[i + 2 :]
    return words


def _replace_it(words: list[str], device: Device) -> list[str]:
    name = tokenize(device.name)
    out: list[str] = []
    for word in words:
        out.extend(["the", *name] if word in {"it", "them"} else [word])
    return out


def _trim(words: list[str]) -> list[str]:
    skip = {",", "then", "and", "but", "also", "please", "just", "only"}
    start, end = 0, len(words)
    while start < end and words[start] in skip:
        start += 1
    while end > start and words[end - 1] in skip:
        end -= 1
    return words[start:end]


def _rule_id(rule: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(rule, sort_keys=True).encode()).hexdigest()[:8]
    return f"words_{digest}"


def _alias(summary: str) -> str:
    short = re.sub(r"\s+", " ", summary).strip().rstrip(".")
    return short if len(short) <= 80 else short[:77].rstrip() + "..."


def _refused(reply: str) -> RuleFromWords:
    return RuleFromWords("refused", None, "", reply)


def _not_understood(reply: str) -> RuleFromWords:
    return RuleFromWords("not_understood", None, "", reply)
