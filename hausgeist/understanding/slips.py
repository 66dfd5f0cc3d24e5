"""Slips of the fingers: a typed word read back to the word of the rules it was meant as."""

from __future__ import annotations

from rapidfuzz.distance import OSA

from hausgeist.understanding.rule_words import RULE_WORDS, is_rule_word
from hausgeist.understanding.vocabulary import STOP_WORDS

_TYPO_MIN = 4
"""Shortest word read as a typo of a verb ("of" is not "off")."""
_VERBS = (
    "turn", "switch", "power", "flip", "shut", "kill", "open", "close", "raise", "lower",
    "change", "adjust", "brighten", "lock", "unlock", "stop", "play", "pause", "resume",
    "mute", "unmute", "disarm", "start", "toggle", "activate", "deactivate", "increase",
    "decrease", "reduce", "enable", "disable",
)  # fmt: skip
"""The command verbs a typo is read back to (each a word of the rules)."""
_SLIP_TARGETS = frozenset(w for w in (*RULE_WORDS, *STOP_WORDS) if w.isalpha() and len(w) >= 3)
"""The words :func:`word_behind_typo` reads a typo back to."""


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
