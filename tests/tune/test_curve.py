"""The steps a useful tune needs, read off measured validation curves (hausgeist.tune.curve)."""

from __future__ import annotations

import pytest

from hausgeist.tune import curve

FLATTENED = ((0, 2.0), (25, 0.6), (50, 0.3), (75, 0.22), (100, 0.2), (125, 0.2))
"""Falls 1.8 to 0.2; within 10% of that lowest loss (0.22) by step 75; the last interval
made nothing."""
FALLING = ((0, 2.0), (25, 1.2), (50, 0.8))
"""The last interval made 0.4 of a 1.2 fall: more steps were needed, how many is unknown."""


@pytest.mark.parametrize(
    ("points", "settled"),
    [
        (FLATTENED, 75),
        (FALLING, None),
        (((0, 2.0), (25, 2.1), (50, 2.2)), None),  # never fell
        (((0, 2.0), (25, 0.5)), None),  # too few points to tell
        (((0, 2.0), (25, 0.1), (50, 0.15), (75, 0.16)), 25),  # rose a little at the end
    ],
)
def test_settled_at(points: curve.Curve, settled: int | None) -> None:
    assert curve.settled_at(points) == settled


def test_the_reference_curve_was_measured_and_settled() -> None:
    assert curve.REFERENCE_CURVE[0][0] == 0
    assert curve.reference().steps == curve.settled_at(curve.REFERENCE_CURVE)
    assert curve.reference().steps == 125  # the cottage run: loss 0.119 of a lowest 0.113


def test_a_homes_own_settled_curve_at_its_batch_comes_first() -> None:
    own = curve.needed([("2026-12-01", 24, FLATTENED), ("2026-12-02", 24, FALLING)], 24)
    assert own == curve.Need(75, "this home's tune of 2026-12-01")
    other_batch = curve.needed([("2026-12-01", 12, FLATTENED)], 24)
    assert other_batch == curve.reference()
    halved = curve.needed([], curve.REFERENCE_BATCH * 2)
    assert halved.steps == round(curve.reference().steps / 2)
    assert "at batch 48" in halved.source


def test_advice_says_whether_the_budget_buys_the_steps() -> None:
    need = curve.Need(200, "measured")
    assert curve.advice(5.0, 250, need).endswith("the budget is enough.")
    short = curve.advice(29.0, 60, need)
    assert "undertrained" in short
    assert "About 97 minutes" in short  # 200 steps x 29 s
    assert "--steps 200" in short
