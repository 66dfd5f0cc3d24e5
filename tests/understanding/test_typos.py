"""Which unknown words are read as a slip of the fingers, and of what."""

from __future__ import annotations

import pytest

from hausgeist.understanding.intents import verb_behind_typo, word_behind_typo


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("teh", "the"),  # two letters swapped
        ("degress", "degrees"),  # a neighbouring key instead (s for e)
        ("percnet", "percent"),
        ("pecent", "percent"),  # a letter left out
        ("volumme", "volume"),  # a letter doubled
        ("sned", "send"),
        ("purpel", "purple"),
        ("nxet", "next"),
        ("sett", "set"),
    ],
)
def test_a_slip_is_read_back(typed: str, meant: str) -> None:
    assert word_behind_typo(typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "pool",  # p is nowhere near c: no slip of "cool"
        "hot",  # three letters: only a swap counts ("not" is a substitution)
        "the",  # a word of its own
        "percent",
        "sauna",
        "42",
        "a1b",
        "of",  # too short
    ],
)
def test_words_that_are_no_slip(typed: str) -> None:
    assert word_behind_typo(typed) is None


def test_a_verb_typo_is_read_among_verbs_only() -> None:
    assert verb_behind_typo("tunr") == "turn"
    assert verb_behind_typo("teh") is None
