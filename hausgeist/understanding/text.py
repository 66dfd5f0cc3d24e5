"""Text normalisation: lower case, contractions, fillers, number words, tokens."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

_CONTRACTIONS = {
    "it's": "it is",
    "what's": "what is",
    "that's": "that is",
    "there's": "there is",
    "i'm": "i am",
    "don't": "do not",
    "doesn't": "does not",
    "isn't": "is not",
    "aren't": "are not",
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "let's": "let us",
    "i'd": "i would",
    "we're": "we are",
    "you're": "you are",
    "how's": "how is",
    "where's": "where is",
    "who's": "who is",
    "i've": "i have",
    "wasn't": "was not",
    "we'd": "we would",
    "it'll": "it will",
}
_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_TOKEN = re.compile(r"\d+(?:\.\d+)?%?|[a-z0-9]+(?:'[a-z]+)?|%|\?|,|;")


def normalize(text: str) -> str:
    """Lower case, typographic quotes unified, contractions expanded, ``%`` spaced."""
    out = text.casefold().replace("\u2019", "'").replace("\u2018", "'")
    out = re.sub(r"(\d)\s*(?:per ?cent|pct)\b", r"\1%", out)
    out = re.sub(r"(\d),(\d)", r"\1.\2", out)  # 21,5 degrees
    out = re.sub(r"(^|[\s(])[-\u2212](?=\d)", r"\1minus ", out)  # -5 keeps its sign
    out = re.sub(r"(\d+(?:\.\d+)?)\s*°\s*[cf]?", r"\1 degrees", out)
    for short, long in _CONTRACTIONS.items():
        out = re.sub(rf"\b{re.escape(short)}\b", long, out)
    return re.sub(r"'s\b", "", out)


def tokenize(text: str) -> list[str]:
    """Tokens of normalised text, with number words turned into digits."""
    tokens = _TOKEN.findall(normalize(text))
    tokens = [t for t in tokens if t != "?"]
    tokens = ["," if t == ";" else t for t in tokens]
    return _numbers(tokens)


def is_question(text: str) -> bool:
    """Ends with a question mark."""
    return text.strip().endswith("?")


def _numbers(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        value, used = _number_at(tokens, i, out)
        if value is not None:
            out.append(str(value))
        else:
            used = _modifier_at(tokens, i, out)
            if not used:
                out.append(tokens[i])
                used = 1
        i += used
    return out


def _number_at(tokens: list[str], i: int, out: list[str]) -> tuple[int | None, int]:
    """The number that words at ``i`` say ("forty two", "two thousand three hundred", "a
    hundred"), and how many words it took; it may take back what ``out`` ends with."""
    word = tokens[i]
    if word in _TENS:
        if i + 1 < len(tokens) and tokens[i + 1] in _UNITS and 0 < _UNITS[tokens[i + 1]] < 10:
            return _TENS[word] + _UNITS[tokens[i + 1]], 2
        return _TENS[word], 1
    if word in _UNITS and not (word == "one" and _one_is_pronoun(tokens, i)):
        return _UNITS[word], 1
    if word == "thousand" and out and out[-1].isdigit():
        value = int(out.pop()) * 1000
        if i + 2 < len(tokens) and tokens[i + 1] in _UNITS and tokens[i + 2] == "hundred":
            return value + _UNITS[tokens[i + 1]] * 100, 3
        return value, 1
    if word == "hundred":
        if out and out[-1] == "a":
            out.pop()
        elif out and out[-1].isdigit() and 0 < int(out[-1]) < 10:
            return int(out.pop()) * 100, 1
        return 100, 1
    return None, 1


def _modifier_at(tokens: list[str], i: int, out: list[str]) -> int:
    """Words at ``i`` that change the number ``out`` ends with ("and a half", "point five",
    "per cent", "a quarter"), rewritten in place; how many words they took (0: none)."""
    word = tokens[i]
    if word in {"quarter", "quarters"} and tokens[i - 1 : i] in (["a"], ["one"], ["three"]):
        out[-1] = "75%" if tokens[i - 1] == "three" else "25%"
        return 1
    if not out or not _is_number(out[-1]):
        return 0
    if word == "and" and out[-1].isdigit() and tokens[i + 1 : i + 3] == ["a", "half"]:
        out[-1] = f"{out[-1]}.5"
        return 3
    if word == "point" and out[-1].isdigit() and i + 1 < len(tokens):
        decimal = tokens[i + 1] if tokens[i + 1].isdigit() else _UNITS.get(tokens[i + 1])
        if decimal is not None:
            out[-1] = f"{out[-1]}.{decimal}"
            return 2
        return 0
    if word == "per" and tokens[i + 1 : i + 2] == ["cent"]:
        out[-1] += "%"
        return 2
    if word in {"percent", "%"}:
        out[-1] += "%"
        return 1
    return 0


def _one_is_pronoun(tokens: list[str], i: int) -> bool:
    """``the kitchen one``, ``which one``, ``the upstairs one to 22``: 'one' is not a number
    there. After a describing word it is the device unless a unit or a number's own words
    follow ("the lamp one percent brighter" keeps the 1)."""
    prev = tokens[i - 1] if i else ""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if prev in {"the", "which", "this", "that", "other", "each", "every", "no"}:
        return True
    if not prev or prev.isdigit() or prev in _NUM_CONTEXT:
        return False
    if nxt == "and":
        return tokens[i + 2 : i + 4] != ["a", "half"]
    return nxt not in _NUMBER_FOLLOWERS


# Words after "one" that make it a number: units, parts of a number, amounts of a change.
_NUMBER_FOLLOWERS = frozenset(
    {
        *("percent", "per", "%", "pct", "degree", "degrees", "point", "half", "more", "less"),
        *("notch", "notches", "step", "steps", "level", "levels", "bit"),
        *("minute", "minutes", "min", "mins", "hour", "hours", "second", "seconds", "sec"),
        *("hundred", "thousand", "oclock", "am", "pm", "k", "kelvin"),
    }
)


_NUM_CONTEXT = {"to", "at", "by", "set", "channel", "level", "speed", "of", "number"}


def _is_number(token: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)?", token))


def as_number(token: str) -> float | None:
    """``"40"`` -> 40.0, ``"40%"`` -> 40.0, else None."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%?", token)
    return float(match.group(1)) if match else None


def singular(token: str) -> str:
    """A crude singular: lights -> light, blinds -> blind, switches -> switch."""
    if len(token) > 4 and token.endswith(("ches", "shes", "sses", "xes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


@lru_cache(maxsize=65536)
def similar(a: str, b: str) -> float:
    """How alike two tokens are, 0-1, forgiving plurals and one or two typos."""
    if a == b:
        return 1.0
    sa, sb = singular(a), singular(b)
    if sa == sb:
        return 0.98
    if a.isdigit() or b.isdigit() or min(len(sa), len(sb)) < 4:
        return 0.0
    distance = Levenshtein.distance(sa, sb, score_cutoff=2)
    if distance > (1 if min(len(sa), len(sb)) < 6 else 2):
        return 0.0
    return 0.9 - 0.05 * distance
