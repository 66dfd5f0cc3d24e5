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
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from hausgeist.history.entry import HistoryEntry

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


T = TypeVar("T")


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How one kind of record is written to a spool line, read back, and told apart."""

    encode: Callable[[T], str]
    decode: Callable[[str], T]
    """Raises ValueError on a damaged line."""
    key: Callable[[T], Hashable]
    """What makes a record unique (one database row per key)."""


def record_codec(
    to_dict: Callable[[T], dict[str, Any]],
    from_dict: Callable[[dict[str, Any]], T],
    key: Callable[[T], Hashable],
) -> Codec[T]:
    """A codec for a record with ``to_dict`` / ``from_dict`` (JSON objects, one per line)."""

    def encode_record(record: T) -> str:
        return json.dumps(to_dict(record), default=str, separators=(",", ":"))

    def decode_record(line: str) -> T:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError(f"not a record: {line!r}")  # noqa: TRY004 - one error per damaged line
        return from_dict(data)

    return Codec(encode_record, decode_record, key)


ENTRIES: Codec[HistoryEntry] = Codec(encode, decode, lambda entry: entry.key)
"""Requests and their decisions."""


class Spool(Generic[T]):
    """The spool file at ``path``, with its lock file beside it, holding ``codec``'s records."""

    def __init__(self, path: Path, codec: Codec[T]) -> None:
        self.path = path
        """The JSON-lines file, e.g. ``<data_dir>/history-spool.jsonl``."""
        self.codec = codec
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
        self.append_many([line])

    def append_many(self, lines: Sequence[str]) -> None:
        """Append encoded entries with one write and one fsync. Raises OSError when the disk
        refuses."""
        if not lines:
            return
        with self._locked(), self.path.open("a+b") as spool:
            data = b"".join(line.encode() + b"\n" for line in lines)
            if spool.tell() > 0:  # a crash may have cut the last line short: start afresh
                spool.seek(-1, os.SEEK_END)
                if spool.read(1) != b"\n":
                    data = b"\n" + data
            spool.write(data)
            spool.flush()
            os.fsync(spool.fileno())

    def load(self) -> list[T]:
        """Every record the spool holds, oldest first; damaged lines are logged and skipped."""
        with self._locked():
            lines = self._read_lines()
        entries: list[T] = []
        for number, line in enumerate(lines, start=1):
            try:
                entries.append(self.codec.decode(line))
            except ValueError as exc:
                logger.warning(
                    "history spool %s, line %d is damaged and skipped: %s", self.path, number, exc
                )
        return entries

    def remove(self, keys: Collection[Hashable]) -> None:
        """Drop the entries with these keys (and damaged lines); keep the rest, atomically."""
        drop = set(keys)
        with self._locked():
            kept = [
                line
                for line in self._read_lines()
                if (key := self._key(line)) is not None and key not in drop
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

    def _key(self, line: str) -> Hashable | None:
        try:
            return self.codec.key(self.codec.decode(line))
        except ValueError:
            return None


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
