"""The sketch: bounded per home, read back only for what at least k homes hold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.federation.discovery import discover, noise_homes, threshold
from hausgeist.federation.patterns import Pattern, targets
from hausgeist.federation.sketch import SketchShape, clears, encode

SHAPE = SketchShape(width=4096, most=2)
LEXICON = ["telly", "big", "light", "goggle", "box", "snug", "lamp", "comfy", "the"]
TELLY = Pattern("media_player:tv", "telly")
BIG = Pattern("light:ceiling light", "big light")
SNUG = Pattern("light:floor lamp", "snug lamp")

words = st.sampled_from(LEXICON)
pattern = st.builds(
    Pattern,
    st.sampled_from(["media_player:tv", "light:ceiling light", "light:floor lamp", "fan:"]),
    st.lists(words, min_size=1, max_size=2).map(" ".join),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(pattern, max_size=2, unique=True))
def test_one_home_moves_the_sum_by_at_most_the_clip(patterns: list[Pattern]) -> None:
    assert np.linalg.norm(encode(patterns, SHAPE)) <= SHAPE.clip + 1e-9


def test_more_patterns_than_a_home_may_count_is_an_error() -> None:
    with pytest.raises(ValueError, match="at most 2"):
        encode([TELLY, BIG, SNUG], SHAPE)


def test_without_noise_what_k_homes_hold_is_found_and_what_fewer_hold_is_not() -> None:
    homes = [[TELLY, BIG]] * 5 + [[TELLY, SNUG]] * 1 + [[TELLY]] * 2
    total = sum((encode(h, SHAPE) for h in homes), start=SHAPE.empty())
    found = {f.pattern: round(f.homes, 6) for f in discover(total, SHAPE, LEXICON, targets(), 5)}
    assert found == {TELLY: 8.0, BIG: 5.0}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_a_pattern_of_one_home_is_never_found_under_noise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    homes = [[TELLY]] * 7 + [[SNUG]]
    z = 1.0
    total = sum((encode(h, SHAPE) for h in homes), start=SHAPE.empty()) + rng.normal(
        0, z, (3, SHAPE.width)
    )
    noise = noise_homes(SHAPE, z, 1)
    found = {f.pattern for f in discover(total, SHAPE, LEXICON, targets(), 5, noise)}
    assert SNUG not in found


def test_the_bar_rises_with_the_noise() -> None:
    assert threshold(5, 0.5) == 4.5
    # 5 standard deviations of a key's count: the mean of its 2 cells, noise 2.0 each.
    assert threshold(5, 2.0) == pytest.approx(5.0 * 2.0 / 2**0.5)


def test_a_key_whose_cells_disagree_is_not_cleared() -> None:
    # One cell on a pattern's heavy cell (40 homes), one on noise: not a key of 20 homes.
    cells = np.array([[40.0, 3.0], [7.0, 6.0], [40.0, 38.0]])
    assert clears(cells, 5.0, noise=1.5).tolist() == [False, True, True]
    # Without noise, cells may differ by half the bar.
    assert clears(np.array([[6.0, 4.0], [9.0, 4.0]]), 5.0).tolist() == [True, False]
