"""Corrections, in the words people use right after an answer: "undo", "no, the other one",
"no, the floor lamp", "I meant the bedroom"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Fix(StrEnum):
    """What a correction asks for."""

    UNDO = "undo"
    """Put back what was just done, nothing else."""
    OTHER = "other"
    """The device was wrong; the other one (or: which one?)."""
    NAMED = "named"
    """The device (or the room) was wrong; this one is meant."""


@dataclass(frozen=True)
class Correction:
    """A correction and, for ``NAMED``, what was meant as said."""

    fix: Fix
    meant: str = ""
    """What was meant ("the floor lamp", "the bedroom", "turn on the hall light")."""


_NO = r"(?:no+|nope|nah|wrong|oops|sorry)\b"
_UNDO = re.compile(
    rf"^(?:{_NO}\s+)?(?:please\s+)?(?:undo|revert|reverse|take\s+(?:that|it)\s+back|"
    r"put\s+(?:it|that|them|everything)\s+back|change\s+(?:it|that|them)\s+back|"
    r"go\s+back)(?:\s+(?:that|it|this|the\s+last\s+one))?(?:\s+(?:the\s+way\s+it\s+was))?"
    r"(?:\s+please)?$"
)
_OTHER = re.compile(
    rf"^(?:{_NO}\s*)*(?:(?:not\s+)?the\s+other\s+one|(?:the\s+)?other\s+one|the\s+other|"
    r"(?:that'?s\s+)?(?:the\s+)?wrong\s+(?:one|\w+)|not\s+that(?:\s+one|\s+\w+)?|"
    r"not\s+(?:this|it)|that'?s\s+not\s+(?:it|the\s+one|right))$"
)
_JUST_NO = re.compile(rf"^(?:{_NO}\s*){{1,3}}$")
_MEANT = re.compile(
    rf"^(?:(?:{_NO}\s*)+)?(?:i\s+meant|i\s+mean|i\s+said|i\s+wanted|meant|actually)\s+(?P<rest>.+)$"
)
_STARTS = (
    r"the|in|on|at|my|our|that|this|turn|switch|put|set|open|close|dim|lock|unlock|start|"
    r"stop|play|pause|make"
)
_NO_THEN = re.compile(rf"^(?:{_NO}\s*)+(?P<rest>(?:{_STARTS})\b.+)$")
_NOT_X_BUT = re.compile(rf"^(?:{_NO}\s*)*not\s+the\s+[\w\s]+?\s+(?:but\s+)?(?P<rest>the\s+.+)$")
_TRAILING = re.compile(r"\s+(?:please|instead|then)$")


def correction(text: str) -> Correction | None:
    """The correction ``text`` says, or None when it is not one."""
    said = _normal(text)
    if not said:
        return None
    if _UNDO.match(said):
        return Correction(Fix.UNDO)
    if _OTHER.match(said) or _JUST_NO.match(said):
        return Correction(Fix.OTHER)
    for pattern in (_MEANT, _NOT_X_BUT, _NO_THEN):
        found = pattern.match(said)
        if found is not None:
            rest = _TRAILING.sub("", found.group("rest")).strip()
            if rest:
                return Correction(Fix.NAMED, rest)
    return None


def _normal(text: str) -> str:
    said = text.casefold().replace("\u2019", "'")
    said = re.sub(r"[^\w\s']", " ", said)
    return re.sub(r"\s+", " ", said).strip()
