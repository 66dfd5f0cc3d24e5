"""How many training steps a useful tune needs, read off a measured validation curve.

A tune's validation loss falls steeply, then flattens. A curve has *settled* at the first
step whose loss is within :data:`NEAR` of the lowest it reached, provided it flattened
before the run ended (its last interval made less than :data:`FLAT` of the whole fall): a
curve still falling when its run ended says only that more steps were needed, not how many.
The last tenth matters: on the cottage home, 28 steps (loss 0.44) gave a tuned model worse
than the stock one on the hand-overs, while the loss curve had already made 80% of its fall.

The steps a useful tune needs are those at which the latest settled curve of this home
(same batch size) settled; before a home has one, those of :data:`REFERENCE_CURVE`, a curve
measured on the benchmark's cottage home. Steps, unlike minutes, carry from one box to
another: a slower box needs as many, each costing more (no torch needed here).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NEAR = 0.1
"""A curve has settled once its loss is within this share of the lowest it reached."""
FLAT = 0.05
"""A curve flattened when its last interval made less than this share of its fall."""

Curve = Sequence[tuple[int, float]]
"""(step, validation loss), the first at step 0."""


@dataclass(frozen=True)
class Need:
    """The steps a useful tune needs, and where the number comes from."""

    steps: int
    source: str


REFERENCE_CURVE: tuple[tuple[int, float], ...] = (
    (0, 2.066),
    (25, 0.3116),
    (50, 0.2066),
    (75, 0.1666),
    (100, 0.1302),
    (125, 0.1191),
    (150, 0.1192),
    (175, 0.1127),
    (183, 0.1126),
)
"""The validation loss of a tune of the benchmark's cottage home (batch 24, the top 16
layers trained in bf16 autocast, 183 steps at 7.8 s): ``python benchmarks/tune.py --home
cottage --minutes 30``, 2-core AMD EPYC with AVX-512 bf16, 2026-12-06 (README, "Home
tuning"; an earlier run that day settled at the same step). It settles at step 125."""
REFERENCE_BATCH = 24
"""The batch size the reference curve was measured with."""


def settled_at(curve: Curve) -> int | None:
    """The first step whose loss is within :data:`NEAR` of the curve's lowest, when it
    flattened before it ended; None when it was still falling, did not fall, or has under 3
    points."""
    if len(curve) < 3:
        return None
    first, last = curve[0][1], curve[-1][1]
    lowest = min(loss for _, loss in curve)
    fall = first - lowest
    if fall <= 0 or curve[-2][1] - last > FLAT * fall:
        return None
    return next(step for step, loss in curve if loss <= lowest * (1 + NEAR))


def reference() -> Need:
    """The steps the reference curve settled at."""
    steps = settled_at(REFERENCE_CURVE)
    assert steps is not None  # a constant, checked by the tests
    return Need(steps, "measured on the benchmark's cottage home")


def needed(curves: Iterable[tuple[str, int, Curve]], batch: int) -> Need:
    """The steps a useful tune needs at ``batch``: where the latest settled curve of this
    home's earlier tunes ``(when, batch, curve)``, oldest first, settled; else the
    reference's, scaled by the batch (the same examples seen)."""
    for when, size, curve in reversed(list(curves)):
        steps = settled_at(curve)
        if steps is not None and size == batch:
            return Need(steps, f"this home's tune of {when}")
    ref = reference()
    scaled = max(1, round(ref.steps * REFERENCE_BATCH / max(1, batch)))
    return Need(scaled, ref.source + ("" if batch == REFERENCE_BATCH else f", at batch {batch}"))


def advice(per_step_s: float, budget_steps: int, need: Need) -> str:
    """What the step cost means for this run: enough steps, or how to get them."""
    said = f"a useful tune needs about {need.steps} ({need.source})"
    if budget_steps >= need.steps:
        return f"{said}: the budget is enough."
    minutes = need.steps * per_step_s / 60
    return (
        f"{said}: this run will be undertrained, and its gate will probably keep the stock "
        f"model. About {minutes:.0f} minutes of training would buy them: give --minutes more, "
        f"or --steps {need.steps} and go on later (Ctrl-C keeps a checkpoint)."
    )
