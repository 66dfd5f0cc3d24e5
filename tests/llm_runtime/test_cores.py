"""Threads follow the free cores: the CPU counters, and what CoreWatch makes of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausgeist.llm_runtime.cores import CoreWatch, Reading, others_busy, read_counters


def test_the_counters_read_on_this_machine_count_this_process() -> None:
    before = read_counters()
    if before is None:
        pytest.skip("no /proc here")
    sum(i * i for i in range(3_000_000))  # some CPU time of our own
    after = read_counters()
    assert after is not None
    assert after.total > before.total
    assert 0 <= after.busy <= after.total
    assert after.own > before.own


def test_a_process_name_with_spaces_and_parentheses_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "self").mkdir()
    (tmp_path / "stat").write_text("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n")
    fields = " ".join(["S", *["0"] * 10, "30", "20", *["0"] * 30])
    (tmp_path / "self" / "stat").write_text(f"4242 (odd) name (x)) {fields}\n")
    assert read_counters(tmp_path) == Reading(total=1000, busy=150, own=50)
    assert read_counters(tmp_path / "missing") is None


def test_others_busy_leaves_out_this_process_own_time() -> None:
    before = Reading(total=0, busy=0, own=0)
    # two cores, 200 ticks: 150 busy, of which 100 were ours -> others used half a core
    assert others_busy(before, Reading(total=200, busy=150, own=100), cores=2) == 0.5
    assert others_busy(before, Reading(total=200, busy=100, own=100), cores=2) == 0.0
    assert others_busy(before, before, cores=2) == 0.0


class _Counters:
    def __init__(self) -> None:
        self.now = Reading(0, 0, 0)

    def step(self, ticks: int, others: int, own: int = 0) -> None:
        self.now = Reading(self.now.total + ticks, self.now.busy + others + own, own + self.now.own)

    def __call__(self) -> Reading:
        return self.now


def test_threads_follow_what_the_other_processes_leave_free() -> None:
    counters = _Counters()
    watch = CoreWatch(2, read=counters, interval_s=3600)  # sampled by hand here
    try:
        assert watch.working
        assert watch.threads(2) == 1  # no time has passed: one thread never collapses
        counters.step(200, others=10, own=150)  # our own model loading, nothing else
        assert watch.threads(2) == 2  # a first request reads what happened since the start
        assert watch.threads(1) == 1  # never more than asked
        counters.step(200, others=100)  # another process keeps one core busy
        watch.sample()
        assert watch.others() == 1.0
        assert watch.threads(2) == 1
        counters.step(200, others=40)  # 0.4 of a core used by others: not free enough
        watch.sample()
        assert watch.threads(2) == 1
        counters.step(200, others=20)
        watch.sample()
        assert watch.threads(2) == 2
    finally:
        watch.close()


def test_without_counters_or_with_one_core_it_stays_at_one_thread() -> None:
    blind = CoreWatch(4, read=lambda: None)
    single = CoreWatch(1, read=_Counters())
    assert not blind.working
    assert not single.working
    assert blind.threads(4) == 1
    assert single.threads(4) == 1
