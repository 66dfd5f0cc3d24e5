"""The sketch a home sends instead of its patterns: three keyed, hashed histograms.

Row 0 counts targets (``light:ceiling light``), row 1 a target with the first word of its
phrase, row 2 a target with its whole phrase and an end mark. Each of a home's patterns adds
the same weight to two cells of each row, chosen by keyed hashes, so no cell says which
pattern put a count there, a key's count is read as the mean of its two cells (half the
noise's variance of one), and a word tried while reading the sum back must land on two heavy
cells by chance, not one, to be taken for a pattern's; a sum of sketches is read back one step at a time (targets from
the public list of targets, first words from the public lexicon, then the phrases those
start) and only cells far above the noise lead anywhere. Every home's sketch has an L2 norm of
at most ``clip``: the sensitivity the Gaussian noise is calibrated to.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hausgeist.federation.patterns import Pattern

Sketch = NDArray[np.float64]
ROWS = 3
HASHES = (2, 2, 2)
"""Cells a key fills in each row."""
END = "$"


@dataclass(frozen=True)
class SketchShape:
    """How a sketch is laid out and weighted; every home of a federation uses the same."""

    width: int = 1 << 15
    """Cells per row."""
    most: int = 2
    """Patterns a home counts per round (its strongest)."""
    clip: float = 1.0
    """The largest L2 norm a home's sketch may have."""
    salt: str = "hausgeist-1"
    """Keys the hashes (a federation may choose its own)."""

    def __post_init__(self) -> None:
        if not 64 <= self.width <= 1 << 22:
            raise ValueError(f"a sketch row of {self.width} cells is out of range (64-4194304)")
        if self.most < 1 or self.clip <= 0:
            raise ValueError("a sketch needs most >= 1 pattern per home and a clip above 0")

    @property
    def weight(self) -> float:
        """What one home's pattern adds to each of its cells: the clip spread evenly over the
        most cells a home may fill."""
        return self.clip / math.sqrt(sum(HASHES) * self.most)

    def columns(self, row: int, keys: Sequence[str]) -> tuple[NDArray[np.int64], Sketch]:
        """Per key and hash: its column in ``row`` and its sign (arrays of keys x hashes)."""
        hashes = HASHES[row]
        columns = np.empty((len(keys), hashes), dtype=np.int64)
        signs = np.empty((len(keys), hashes), dtype=np.float64)
        key = self.salt.encode()[:64]
        prefix = f"{row}\x1f".encode()
        for i, text in enumerate(keys):
            digest = hashlib.blake2b(prefix + text.encode(), digest_size=8 * hashes, key=key)
            values = np.frombuffer(digest.digest(), dtype="<u8")
            columns[i] = (values >> np.uint64(1)) % np.uint64(self.width)
            signs[i] = np.where(values & np.uint64(1), 1.0, -1.0)
        return columns, signs

    def empty(self) -> Sketch:
        return np.zeros((ROWS, self.width), dtype=np.float64)


def keys_of(pattern: Pattern) -> tuple[str, str, str]:
    """A pattern's key in each row."""
    first = pattern.phrase.split()[0]
    return pattern.target, f"{pattern.target}={first}", f"{pattern.key}{END}"


def encode(patterns: Sequence[Pattern], shape: SketchShape) -> Sketch:
    """One home's sketch: each of its (at most ``shape.most``) patterns counted once, the
    whole clipped to ``shape.clip``."""
    if len(patterns) > shape.most:
        raise ValueError(f"{len(patterns)} patterns; a home counts at most {shape.most} a round")
    sketch = shape.empty()
    for row in range(ROWS):
        keys = [keys_of(p)[row] for p in patterns]
        if keys:
            columns, signs = shape.columns(row, keys)
            np.add.at(sketch[row], columns.ravel(), signs.ravel() * shape.weight)
    return clip(sketch, shape.clip)


def clip(sketch: Sketch, norm: float) -> Sketch:
    """The sketch scaled down to an L2 norm of at most ``norm``."""
    size = float(np.linalg.norm(sketch))
    return sketch if size <= norm else sketch * (norm / size)


def counts(total: Sketch, row: int, keys: Sequence[str], shape: SketchShape) -> Sketch:
    """How many homes' worth of count each cell of each key of ``row`` holds in ``total``
    (keys x hashes)."""
    if not keys:
        return np.zeros((0, HASHES[row]))
    columns, signs = shape.columns(row, keys)
    return np.asarray(total[row][columns] * signs / shape.weight, dtype=np.float64)


AGREE = 3.5
"""Standard deviations of the difference of two cells' noise a key's cells may differ by."""


def clears(cells: Sketch, k: float, noise: float = 0.0) -> NDArray[np.bool_]:
    """Which keys count at least ``k`` homes: their cells' mean does, none of their cells
    holds less than half of it, and their cells agree (differ by at most :data:`AGREE`
    standard deviations of two cells' noise, ``noise`` per cell, or half of ``k``, whichever
    is more). A word whose cells land, one on a pattern's heavy cell and one on noise, by
    chance does not."""
    least = cells.min(axis=1)
    agree = cells.max(axis=1) - least <= max(k / 2, AGREE * math.sqrt(2) * noise)
    return np.asarray((cells.mean(axis=1) >= k) & (least >= k / 2) & agree, dtype=np.bool_)
