"""What the person wants done: the action and its value, found by word rules.

A rule consumes the words it used, so that what is left names the target. The rules are the
table in :mod:`~hausgeist.understanding.rules`; this module applies them, and is where the rest
of hausgeist imports the understanding of words from (the names below are re-exported)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from hausgeist.understanding.reading import Action, Intent, IntentRule
from hausgeist.understanding.rule_words import is_rule_word, is_verb_word
from hausgeist.understanding.rules import RULES
from hausgeist.understanding.slips import near_keys, verb_behind_typo, word_behind_typo
from hausgeist.understanding.text import singular
from hausgeist.understanding.values import ARM_WORDS, arm_mode
from hausgeist.understanding.vocabulary import TYPE_WORDS

__all__ = [
    "Action",
    "Intent",
    "IntentRule",
    "arm_mode",
    "detect",
    "detect_whole_sentence",
    "is_rule_word",
    "is_verb_word",
    "near_keys",
    "readings",
    "verb_behind_typo",
    "word_behind_typo",
]

_UP_TO_LAST_WHOLE = RULES[: max(i for i, rule in enumerate(RULES) if rule.whole_sentence) + 1]
"""The rules up to the last that reads a whole sentence (the to-do lists)."""

_VERB_TYPES = frozenset({"switch", "vacuum", "hoover", "lock", "heat", "water"})
"""Type words that are verbs when they start a rule: "switch on the lamp", "lock the door"."""


def detect(tokens: list[str], protected: frozenset[int] = frozenset()) -> Intent | None:
    """The first rule that matches ``tokens``, with the positions it consumed.

    ``protected`` positions belong to names ("Green Bedroom", "Movie Night"): a value rule
    (a colour, a mode) never takes its value from inside a name."""
    return next(readings(tokens, protected), None)


def detect_whole_sentence(tokens: list[str]) -> Intent | None:
    """``detect(tokens)`` when that reading is by a rule that reads the whole sentence
    ("add bread, milk and eggs to the list"), else None.

    The rules after the last such rule are never tried: on long text they are most of the
    cost, as a rule like ``turn .* down`` that fails costs the text's length for each
    ``turn`` in it."""
    first = next(readings(tokens, rules=_UP_TO_LAST_WHOLE), None)
    return (
        first
        if first is not None and first.rule is not None and first.rule.whole_sentence
        else None
    )


def readings(
    tokens: list[str],
    protected: frozenset[int] = frozenset(),
    rules: Sequence[IntentRule] = RULES,
) -> Iterator[Intent]:
    """Every rule's reading of ``tokens``, best first (one per rule)."""
    text = " ".join(tokens)
    starts = _token_starts(tokens)
    for rule in rules:
        for match in rule.matches(text):
            if rule.not_in_names and _value_in_name(match, starts, tokens, protected):
                continue
            yield _reading(rule, match, starts, tokens, protected)
            break


def _reading(
    rule: IntentRule,
    match: re.Match[str],
    starts: list[int],
    tokens: list[str],
    protected: frozenset[int],
) -> Intent:
    """The intent ``rule`` reads from ``match``: its action, value and consumed words."""
    intent = Intent(
        rule.action, None, set(), rule.domains, rule, indirect=rule.indirect, words=tokens
    )
    _consume(intent, starts, match, tokens, protected)
    if rule.indirect:  # the whole idiom: "it's like a sauna in here"
        intent.consumed |= {i for i, st in enumerate(starts) if match.start() <= st < match.end()}
    intent.value = rule.value_reader(match, tokens)
    if rule.action is Action.ARM:
        intent.consumed |= {i for i, t in enumerate(tokens) if t in ARM_WORDS}
    if rule.action in {Action.COLOR, Action.COLOR_TEMP}:
        _brightness_too(intent, tokens)
    if len(tokens) > 1 and tokens[0] in _VERB_TYPES and tokens[1] in _AFTER_VERB:
        intent.consumed.add(0)  # "switch the conservatory to cooling": a verb, not a switch
    return intent


_AFTER_VERB = frozenset(
    {"the", "on", "off", "it", "my", "our", "all", "everything", "to", "up", "a", "them", "every"}
)


def _value_in_name(
    match: re.Match[str], starts: list[int], tokens: list[str], protected: frozenset[int]
) -> bool:
    """The rule's own words ("green", "cool") lie inside a name ("Green Bedroom"). Where the
    rule names its value (a ``mode``, a colour), only the value's words count: "set the
    office fan to sleep mode" takes nothing from the name "Office Fan"."""
    spans = [
        match.span(g) for g in _VALUE_GROUPS if g in match.re.groupindex and match.group(g)
    ] or [match.span()]
    return any(
        begin <= start < end and is_rule_word(tokens[i])
        for i, start in enumerate(starts)
        if i in protected
        for begin, end in spans
    )


_VALUE_GROUPS = ("mode", "color", "ct", "ct2")


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
    if "part" in match.re.groupindex and match.group("part"):
        # "the air con fan to high": the fan is the air conditioner's, not a fan to find
        begin, end = match.span("part")
        intent.consumed |= {i for i, st in enumerate(starts) if begin <= st < end}
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
