"""Reading a federation's sum back: which patterns at least ``k`` homes hold.

Three steps over the public lists only, never over anything a home sent: targets from
:func:`patterns.targets`, then first words from the lexicon for each target found, then for
each first word found the phrase it ends, or its second word from the lexicon. A key is found
when its cells count at least ``k`` homes on average and agree with each other
(:func:`sketch.clears`); a pattern when its three keys are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hausgeist.federation.patterns import MAX_WORDS, Pattern
from hausgeist.federation.sketch import END, HASHES, Sketch, SketchShape, clears, counts


@dataclass(frozen=True)
class Found:
    """A pattern read back from the sum, with the homes its whole-phrase cells count (their
    mean)."""

    pattern: Pattern
    homes: float


def discover(
    mean: Sketch,
    shape: SketchShape,
    lexicon: Sequence[str],
    targets: Sequence[str],
    k: float,
    noise: float = 0.0,
) -> list[Found]:
    """The patterns ``mean`` (the rounds' noisy sums, averaged) holds for at least ``k``
    homes, strongest first. ``noise`` (homes, :func:`noise_homes`) raises the bar to
    :data:`MARGIN` times it where that is higher than ``k``: among tens of thousands of
    words tried, noise alone would clear a lower one."""
    k = threshold(k, noise)  # every row reads a key as the mean of HASHES[row] == 2 cells
    words = sorted(set(lexicon))
    heavy_targets = _heavy(mean, 0, list(targets), list(targets), shape, k, noise)
    found: list[Found] = []
    for target in heavy_targets:
        firsts = _heavy(mean, 1, words, [f"{target}={w}" for w in words], shape, k, noise)
        for first in firsts:
            phrases = [first] + ([f"{first} {w}" for w in words] if MAX_WORDS > 1 else [])
            ends = [f"{target}={p}{END}" for p in phrases]
            cells = counts(mean, 2, ends, shape)
            found += [
                Found(Pattern(target, phrases[i]), float(cells[i].mean()))
                for i in np.flatnonzero(clears(cells, k, noise))
            ]
    found.sort(key=lambda f: (-f.homes, f.pattern))
    return found


MARGIN = 5.0
"""Standard deviations of the noise of a key's count a key must clear (a one-sided 2.9e-7
chance per key: some 20,000 words are tried after each target and each first word)."""


def threshold(k: float, noise: float) -> float:
    """The count, in homes, a key must clear: one that rounds to at least ``k`` homes, and
    :data:`MARGIN` standard deviations of the noise of a key's count (the mean of its cells,
    ``noise`` per cell), whichever is higher."""
    cells = min(HASHES)
    if cells != max(HASHES):
        raise AssertionError("every row must read a key from as many cells")
    return max(k - 0.5, MARGIN * noise / math.sqrt(cells))


def _heavy(
    mean: Sketch,
    row: int,
    names: list[str],
    keys: list[str],
    shape: SketchShape,
    k: float,
    noise: float,
) -> list[str]:
    cells = counts(mean, row, keys, shape)
    return [names[i] for i in np.flatnonzero(clears(cells, k, noise))]


def noise_homes(shape: SketchShape, noise_multiplier: float, rounds: int) -> float:
    """The standard deviation, in homes, of a cell of the rounds' averaged sum."""
    return float(noise_multiplier * shape.clip / (shape.weight * np.sqrt(rounds)))
