"""The process's resident memory, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path

_STATUS = Path("/proc/self/status")


def rss_bytes() -> int | None:
    """Resident set size of this process in bytes, or ``None`` where /proc is missing."""
    try:
        text = _STATUS.read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            kib = line.split()[1]
            return int(kib) * 1024
    return None


def megabytes(size: int | None) -> float | None:
    """Bytes as MiB, rounded to one decimal."""
    return None if size is None else round(size / (1 << 20), 1)
