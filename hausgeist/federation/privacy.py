"""The privacy accountant: what the Gaussian noise of each round spends, in (ε, δ).

Rényi differential privacy of the Gaussian mechanism (Mironov 2017): a release whose
sensitivity is the clip and whose noise has ``z`` times the clip as its standard deviation is
(a, a / 2z²)-RDP at every order a; rounds add up order by order, and the total becomes an
(ε, δ) guarantee through the conversion of Canonne, Kamath and Steinke (2020, Prop. 12), as
Google's ``dp-accounting`` converts it (the tests check the two agree).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ORDERS: tuple[float, ...] = (
    *(1 + x / 10 for x in range(1, 100)),
    *(float(a) for a in range(11, 64)),
    128.0,
    256.0,
    512.0,
    1024.0,
)
DELTA = 1e-5
"""The δ every ε here is stated at."""


def rdp(noise_multipliers: Sequence[float]) -> list[float]:
    """The RDP of releases with these noise multipliers, at each of :data:`ORDERS`."""
    for z in noise_multipliers:
        if z <= 0:
            raise ValueError(f"a noise multiplier must be above 0, got {z}")
    total = sum(1 / (2 * z * z) for z in noise_multipliers)
    return [a * total for a in ORDERS]


def epsilon(noise_multipliers: Sequence[float], delta: float = DELTA) -> float:
    """ε at ``delta`` after releases with these noise multipliers (0 after none)."""
    if not noise_multipliers:
        return 0.0
    if not 0 < delta < 1:
        raise ValueError(f"δ must be between 0 and 1, got {delta}")
    best = math.inf
    for a, r in zip(ORDERS, rdp(noise_multipliers), strict=True):
        if delta**2 + math.expm1(-r) > 0:
            return 0.0
        if a > 1.01:
            best = min(best, r + math.log1p(-1 / a) - math.log(delta * a) / (a - 1))
    return max(best, 0.0)


def noise_for(target: float, rounds: int, delta: float = DELTA) -> float:
    """The smallest noise multiplier (to 1e-4) at which ``rounds`` equal releases spend at most
    ``target`` in ε."""
    if target <= 0 or rounds < 1:
        raise ValueError("the budget must be above 0 and the rounds at least 1")
    low, high = 1e-3, 1e3
    while high - low > 1e-4:
        middle = (low + high) / 2
        if epsilon([middle] * rounds, delta) > target:
            low = middle
        else:
            high = middle
    return high
