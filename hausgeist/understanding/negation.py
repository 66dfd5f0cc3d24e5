"""Requests that say what not to do ("don't unlock the door", "can you not turn on the
lamp", "leave the coffee machine on"). Such a clause is never acted on: alone it is
declined, beside other requests it is set aside and the reply says what was left alone.

A clause is negated when it opens with a negation and the words after it ask for an action
of their own ("not the kitchen" is an exclusion, not a negated request), or when it asks to
leave a device as it is."""

from __future__ import annotations

from collections.abc import Sequence

# Openings that negate the request after them (tokens as ``tokenize`` gives them: "don't"
# is "do not").
_NEGATIONS: tuple[tuple[str, ...], ...] = (
    ("do", "not"),
    ("dont",),
    ("not",),
    ("never",),
    ("no", "need", "to"),
    ("there", "is", "no", "need", "to"),
    ("you", "do", "not", "need", "to"),
    ("you", "need", "not"),
    ("i", "do", "not", "want", "you", "to"),
    ("i", "do", "not", "want"),
    ("we", "do", "not", "want"),
    ("i", "would", "rather", "you", "did", "not"),
    ("please", "do", "not"),
    ("just", "do", "not"),
)
# Openings that ask to leave a device as it is: what follows names it (and its state).
_LEAVE = frozenset({"leave"})


def negated(words: Sequence[str]) -> tuple[list[str], bool] | None:
    """The request ``words`` say not to make (without the negation) and whether it asks to
    leave a device as it is; None when ``words`` negate nothing."""
    for opening in _NEGATIONS:
        if tuple(words[: len(opening)]) == opening and len(words) > len(opening):
            return list(words[len(opening) :]), False
    if words and words[0] in _LEAVE and len(words) > 1:
        return list(words), True
    return None
