"""Reconnect delays."""

from __future__ import annotations

import random

from hausgeist.integration.backoff import Backoff


def test_first_retry_comes_within_a_second_and_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(10)]
    assert delays[0] < 1.0
    assert 0.16 <= delays[0] <= 0.24
    assert 0.32 <= delays[1] <= 0.48
    assert all(d <= 10.0 * 1.2 for d in delays)
    assert delays[-1] >= 10.0 * 0.8


def test_reset_starts_again_from_the_first_delay() -> None:
    backoff = Backoff(jitter=0.0)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.2


def test_jitter_spreads_clients_apart() -> None:
    delays = {Backoff(rng=random.Random(seed)).next_delay() for seed in range(20)}
    assert len(delays) > 10
