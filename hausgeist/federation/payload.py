"""What crosses the home's border: a contribution (one home, one round) or an aggregate (a
sum of them), as JSON a person can read, and the scanner that checks it first.

Numbers only, apart from the fixed names of the format: the cells are a list of numbers, so
not even by chance can a name of the home appear in them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hausgeist.errors import FederationError
from hausgeist.federation.lexicon import SOURCE
from hausgeist.federation.sketch import ROWS, Sketch, SketchShape

FORMAT: Literal["hausgeist-federation/2"] = "hausgeist-federation/2"
"""/2: two cells per key in every row (/1 had one in the targets' row)."""


class Shape(BaseModel):
    """:class:`SketchShape` as sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    width: int
    most: int
    clip: float
    salt: str

    def sketch(self) -> SketchShape:
        return SketchShape(self.width, self.most, self.clip, self.salt)

    @classmethod
    def of(cls, shape: SketchShape) -> Shape:
        return cls(width=shape.width, most=shape.most, clip=shape.clip, salt=shape.salt)


class Payload(BaseModel):
    """A contribution (``homes`` = 1, ``rounds`` = 1) or an aggregate."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["hausgeist-federation/2"] = FORMAT
    kind: Literal["contribution", "aggregate"]
    shape: Shape
    lexicon: str = SOURCE
    lexicon_size: int = Field(ge=1)
    rounds: int = Field(ge=1)
    """Rounds summed in ``cells``."""
    homes: list[int]
    """Homes that contributed to each round."""
    noise_std: float = Field(ge=0)
    """The standard deviation of the noise in each cell of ``cells``."""
    noise_multiplier: float = Field(gt=0)
    """Per round and home: the noise over the clip, what each round spent."""
    epsilon: float = Field(ge=0)
    """ε at ``delta`` of each round's release."""
    delta: float = Field(gt=0, lt=1)
    secure_aggregation: Literal["SecAgg+"] | None = None
    """How the rounds were summed: ``SecAgg+`` (Flower's secure aggregation: whoever summed
    them saw only each round's sum); None: in the clear, from contributions each home had
    noised itself (``federate export``)."""
    cells: list[list[float]]

    @model_validator(mode="after")
    def _fits(self) -> Payload:
        if len(self.cells) != ROWS or any(len(r) != self.shape.width for r in self.cells):
            raise ValueError(f"cells must be {ROWS} rows of {self.shape.width} numbers")
        if len(self.homes) != self.rounds:
            raise ValueError("homes must give one count per round")
        if not np.isfinite(np.asarray(self.cells)).all():
            raise ValueError("cells must be finite numbers")
        return self

    def sum(self) -> Sketch:
        return np.asarray(self.cells, dtype=np.float64)

    def text(self) -> str:
        return self.model_dump_json()

    @classmethod
    def read(cls, text: str, where: str) -> Payload:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            at = ".".join(str(p) for p in first["loc"]) or "the file"
            raise FederationError(
                f"{where} is not a hausgeist federation file ({at}: {first['msg']}); "
                "write one with 'hausgeist federate export' or 'federate aggregate'"
            ) from exc


def cells_of(sketch: Sketch) -> list[list[float]]:
    """The sketch as lists of numbers (6 significant digits: the noise is far coarser)."""
    return [[float(f"{v:.6g}") for v in row] for row in sketch]


_FIXED = frozenset(Payload.model_fields) | frozenset(Shape.model_fields)


class Secrets:
    """Every string of the home: registry, configuration and history; the scanner looks for
    each (case-folded, as a whole word or words) in every string of an outgoing message."""

    def __init__(self, strings: Iterable[str]) -> None:
        kept = {" ".join(s.casefold().split()) for s in strings}
        self.strings = frozenset(s for s in kept if len(s) >= 2)
        pattern = "|".join(re.escape(s) for s in sorted(self.strings, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)") if pattern else None

    def found(self, text: str) -> list[str]:
        if self._pattern is None:
            return []
        return sorted(
            {m.group(0) for m in self._pattern.finditer(" ".join(text.casefold().split()))}
        )


def scan(message: Any, secrets: Secrets) -> list[str]:
    """The home's strings found in ``message`` (a payload, or any JSON-like value): in every
    string it holds, and in every key that is not one of the format's own names."""
    hits: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            hits.update(secrets.found(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if str(key) not in _FIXED:
                    hits.update(secrets.found(str(key)))
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(message.model_dump() if isinstance(message, BaseModel) else message)
    return sorted(hits)


def check(message: Any, secrets: Secrets, where: str) -> None:
    """FederationError when ``message`` holds a string of the home (nothing is sent)."""
    hits = scan(message, secrets)
    if hits:
        raise FederationError(
            f"refused to send to {where}: the message holds {len(hits)} string(s) of this "
            f"home ({', '.join(repr(h) for h in hits[:3])}); nothing was sent"
        )
