"""What the CLI tests share: paths, the result of a run, the runner's type."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "tests" / "understanding" / "home.yaml"


@dataclass
class Run:
    """The outcome of one ``hausgeist`` process."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


Hausgeist = Callable[..., Run]
