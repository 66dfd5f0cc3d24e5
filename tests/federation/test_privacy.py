"""The accountant's arithmetic, checked against Google's dp-accounting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.federation import privacy

dp_accounting = pytest.importorskip("dp_accounting")
from dp_accounting.rdp import RdpAccountant  # noqa: E402


def theirs(noise: list[float], delta: float) -> float:
    accountant = RdpAccountant()
    for z in noise:
        accountant.compose(dp_accounting.GaussianDpEvent(z))
    return float(accountant.get_epsilon(delta))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.3, 20.0), min_size=1, max_size=12),
    st.sampled_from([1e-5, 1e-6, 1e-3]),
)
def test_epsilon_agrees_with_dp_accounting(noise: list[float], delta: float) -> None:
    assert privacy.epsilon(noise, delta) == pytest.approx(theirs(noise, delta), rel=1e-9, abs=1e-9)


def test_known_values_and_nothing_spent() -> None:
    # Flower's RdpAccountant at noise 1.0 (FACTS.md): 4.73 / 7.08 / 9.01 after rounds 1-3.
    assert [round(privacy.epsilon([1.0] * r), 2) for r in (1, 2, 3)] == [4.73, 7.08, 9.01]
    assert privacy.epsilon([]) == 0.0


def test_noise_for_a_budget_spends_at_most_it() -> None:
    z = privacy.noise_for(8.0, 3)
    assert privacy.epsilon([z] * 3) <= 8.0
    assert privacy.epsilon([z - 1e-3] * 3) > 8.0


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_a_noise_multiplier_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="above 0"):
        privacy.epsilon([bad])
