"""Reconnect delays: exponential, capped, jittered; the first retry comes at once."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """0.2 s, 0.4 s, 0.8 s ... up to ``cap``, each varied by ``jitter`` so that many
    clients losing the same broker do not all come back in the same instant."""

    first: float = 0.2
    """The first delay, seconds."""
    factor: float = 2.0
    """Each further delay is this much longer."""
    cap: float = 10.0
    """The longest delay, seconds."""
    jitter: float = 0.2
    """Relative spread: 0.2 means ±20 %."""
    rng: random.Random = field(default_factory=random.Random)
    """Source of the jitter (seeded in tests)."""
    _attempt: int = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; each call moves one step on."""
        base = min(self.cap, self.first * self.factor**self._attempt)
        self._attempt += 1
        spread = base * self.jitter
        return max(0.0, base + self.rng.uniform(-spread, spread))

    def reset(self) -> None:
        """Start again from ``first`` (after a good connection)."""
        self._attempt = 0
