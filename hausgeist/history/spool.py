"""The spool: an append-only JSON-lines file that keeps records until the database has them.

Every record is written here (and fsynced) before the database is tried, so a crash,
a locked or a missing database loses nothing: the next run writes what is left.
Several processes may share one data directory; a lock file serialises them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from hausgeist.history.entry import EntryKey, HistoryEntry

logger = logging.getLogger("hausgeist.history")


def encode(entry: HistoryEntry) -> str:
    """One spool line (without the newline); values JSON cannot hold become strings."""
    return json.dumps(entry.to_dict(), default=str, separators=(",", ":"))


def decode(line: str) -> HistoryEntry:
    """The entry a spool line holds. Raises ValueError on a damaged line."""
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError(f"not a history entry: {line!r}")  # noqa: TRY004 - one error per damaged line
    return HistoryEntry.from_dict(data)


class Spool:
    """The spool file at ``path``, with its lock file beside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        """The JSON-lines file, e.g. ``<data_dir>/history-spool.jsonl``."""
        self._lock_path = path.with_suffix(".lock")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # flock locks an open file description: threads and processes exclude each other.
        with self._lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def append(self, line: str) -> None:
        """Append one encoded entry and fsync it. Raises OSError when the disk refuses."""
        with self._locked(), self.path.open("a+b") as spool:
            data = line.encode() + b"\n"
            if spool.tell() > 0:  # a crash may have cut the last line short: start afresh
                spool.seek(-1, os.SEEK_END)
                if spool.read(1) != b"\n":
                    data = b"\n" + data
            spool.write(data)
            spool.flush()
            os.fsync(spool.fileno())

    def load(self) -> list[HistoryEntry]:
        """Every entry the spool holds, oldest first; damaged lines are logged and skipped."""
        with self._locked():
            lines = self._read_lines()
        entries: list[HistoryEntry] = []
        for number, line in enumerate(lines, start=1):
            try:
                entries.append(decode(line))
            except ValueError as exc:
                logger.warning(
                    "history spool %s, line %d is damaged and skipped: %s", self.path, number, exc
                )
        return entries

    def remove(self, keys: Collection[EntryKey]) -> None:
        """Drop the entries with these keys (and damaged lines); keep the rest, atomically."""
        drop = set(keys)
        with self._locked():
            kept = [
                line
                for line in self._read_lines()
                if (key := _key(line)) is not None and key not in drop
            ]
            temporary = self.path.with_suffix(".tmp")
            with temporary.open("wb") as spool:
                spool.write(b"".join(line.encode() + b"\n" for line in kept))
                spool.flush()
                os.fsync(spool.fileno())
            temporary.replace(self.path)
            _fsync_directory(self.path.parent)

    def _read_lines(self) -> list[str]:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if line.strip()]


def _key(line: str) -> EntryKey | None:
    try:
        return decode(line).key
    except ValueError:
        return None


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
