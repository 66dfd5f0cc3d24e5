"""How many cores the model may use for the next request: all that nothing else is using.

llama.cpp's threads spin at every barrier. On an idle 2-core box two threads evaluate a
prompt about twice as fast as one; when another process keeps one core busy, two threads
are about twice as *slow* as one (``benchmarks/llm_stage.py`` prints both). So a thread
count fixed in advance is wrong half the time. :class:`CoreWatch` reads the kernel's CPU
counters (``/proc/stat``, and ``/proc/self/stat`` for this process's own share) every
half second in a daemon thread, and :meth:`CoreWatch.threads` answers with the cores the
*other* processes left free over the last interval. The model's own threads are this
process's time, so they never count against it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

INTERVAL_S = 0.5
"""Seconds between two readings of the counters."""
FREE_ENOUGH = 0.75
"""Share of a core the other processes must leave idle for it to take a thread."""


@dataclass(frozen=True)
class Reading:
    """The kernel's CPU counters at one moment, in clock ticks summed over every core."""

    total: int
    """Every tick of every core."""
    busy: int
    """Ticks not idle and not waiting for I/O."""
    own: int
    """Ticks this process used (user and system)."""


def read_counters(proc: Path = Path("/proc")) -> Reading | None:
    """The counters now; None where the system has no ``/proc`` (not Linux)."""
    try:
        first = (proc / "stat").read_text(encoding="ascii").splitlines()[0].split()
        mine = (proc / "self" / "stat").read_text(encoding="ascii")
    except (OSError, IndexError):
        return None
    if not first or first[0] != "cpu":
        return None
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    fields = mine[mine.rindex(")") + 2 :].split()  # the name may hold spaces: skip past it
    own = int(fields[11]) + int(fields[12])  # utime, stime
    return Reading(total=sum(ticks), busy=sum(ticks) - ticks[3] - ticks[4], own=own)


def others_busy(before: Reading, after: Reading, cores: int) -> float:
    """Cores the other processes kept busy on average between two readings."""
    elapsed = after.total - before.total
    if elapsed <= 0:
        return 0.0
    others = (after.busy - before.busy) - (after.own - before.own)
    return max(0.0, others / elapsed * cores)


class CoreWatch:
    """Samples the CPU counters in the background and says how many threads fit now."""

    def __init__(
        self,
        cores: int,
        read: Callable[[], Reading | None] = read_counters,
        interval_s: float = INTERVAL_S,
    ) -> None:
        self.cores = max(1, cores)
        self._read = read
        self._interval = interval_s
        self._last = read()
        self._others: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._last is not None and self.cores > 1:
            self._thread = threading.Thread(target=self._run, name="hausgeist-cores", daemon=True)
            self._thread.start()

    @property
    def working(self) -> bool:
        """Whether the counters can be read here (Linux) and there is more than one core."""
        return self._thread is not None

    def sample(self) -> None:
        """Take one reading now (the background thread does this every interval)."""
        now = self._read()
        if now is None:
            return
        with self._lock:
            if self._last is not None and now.total > self._last.total:
                self._others = others_busy(self._last, now, self.cores)
            self._last = now

    def others(self) -> float | None:
        """Cores the other processes used over the last interval (None before two readings)."""
        with self._lock:
            return self._others

    def threads(self, most: int) -> int:
        """Threads for the next request: the cores others left free, 1 to ``most``."""
        others = self.others()
        if others is None and self.working:  # a request right after start: since then
            self.sample()
            others = self.others()
        if others is None:
            return 1  # nothing known yet: the choice that never collapses
        free = self.cores - others
        return max(1, min(most, int(free + (1 - FREE_ENOUGH))))

    def close(self) -> None:
        """Stop the background thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self._interval)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()
