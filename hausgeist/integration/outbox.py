"""The durable outbox: commands, their answers and device publishes, in SQLite (WAL).

A command is stored before it is acknowledged to the broker; the device publishes an
action causes are stored before they go out; an answer is stored before it is sent.
A publish is marked done only after the broker acknowledged it (PUBACK), so after a
crash of the broker or of the agent whatever was not acknowledged goes out again, and a
command whose id was seen before is answered from here instead of being run twice.

``synchronous=NORMAL`` in WAL mode survives a crash of the process (what ``kill -9``
does); only a power cut can lose the last transactions.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from hausgeist.errors import IntegrationError
from hausgeist.integration.payloads import Command

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    key TEXT PRIMARY KEY,
    request_id TEXT UNIQUE,
    body TEXT NOT NULL,
    reply_topic TEXT NOT NULL,
    state TEXT NOT NULL,
    calls TEXT NOT NULL DEFAULT '[]',
    answer BLOB,
    created REAL NOT NULL,
    finished REAL
);
CREATE TABLE IF NOT EXISTS publishes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    command_key TEXT,
    request_id TEXT,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    created REAL NOT NULL,
    expires REAL,
    done REAL,
    outcome TEXT
);
CREATE INDEX IF NOT EXISTS publishes_open ON publishes (seq) WHERE done IS NULL;
CREATE INDEX IF NOT EXISTS commands_open ON commands (created) WHERE state != 'answered';
"""


class CommandState(StrEnum):
    """How far a stored command got."""

    ACCEPTED = "accepted"
    """Stored, not yet handled."""
    DISPATCHED = "dispatched"
    """Its device publishes are stored; the answer is not."""
    ANSWERED = "answered"
    """Its answer is stored (and queued to go out)."""


class PublishKind(StrEnum):
    """What an outgoing message is."""

    DEVICE = "device"
    """A command to a device (an action)."""
    ANSWER = "answer"
    """An answer to a command."""


class PublishLike(Protocol):
    """What the outbox needs of a device publish (the adapters' ``Publish``)."""

    @property
    def topic(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def qos(self) -> int: ...
    @property
    def retain(self) -> bool: ...


@dataclass(frozen=True)
class StoredCommand:
    """A command as the outbox holds it."""

    key: str
    """The outbox's key: ``id:<request id>`` or ``anon:<uuid>``."""
    command: Command
    """The command as received."""
    reply_topic: str
    """Where its answer goes."""
    state: CommandState
    """How far it got."""
    calls: tuple[dict[str, Any], ...]
    """The service calls dispatched for it (contract JSON form)."""
    answer: bytes | None
    """The stored answer, once there is one."""
    created: float
    """When it was accepted (Unix time)."""


@dataclass(frozen=True)
class Accepted:
    """A new command, stored; it must be handled."""

    key: str
    """Its outbox key."""


@dataclass(frozen=True)
class Repeat:
    """A command whose id was seen before: never run it again."""

    stored: StoredCommand
    """The first command with that id (its answer, when it has one)."""


@dataclass(frozen=True)
class Outgoing:
    """A stored publish that has not been acknowledged by the broker yet."""

    seq: int
    """Its place in the outbox; publishes go out in this order."""
    kind: PublishKind
    """Device command or answer."""
    topic: str
    """Where it goes."""
    payload: bytes
    """What it says."""
    qos: int
    """MQTT QoS."""
    retain: bool
    """Whether the broker keeps it."""
    expires: float | None
    """Unix time after which it must not be delivered any more (stale actions)."""
    request_id: str | None
    """The id of the command that caused it."""

    def remaining_s(self, now: float) -> int | None:
        """Whole seconds of life left (at least 1), or None when it never expires."""
        if self.expires is None:
            return None
        return max(1, int(self.expires - now + 0.999))


class Outbox:
    """The SQLite outbox; thread-safe (the MQTT loop and the agent's worker thread use it)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None = None) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self.path = path
        """The database file (None in memory)."""

    @classmethod
    def open(cls, path: Path) -> Outbox:
        """Open (or create) the outbox at ``path``."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise IntegrationError(
                f"cannot open the MQTT outbox {path}: {exc}; check that the data directory"
                " is writable and not used by another hausgeist"
            ) from exc
        return cls(db, path)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- commands -----------------------------------------------------------------------

    def accept(self, command: Command, reply_topic: str) -> Accepted | Repeat:
        """Store a new command, or return the earlier one with the same id."""
        key = f"id:{command.id}" if command.id is not None else f"anon:{uuid.uuid4().hex}"
        with self._write() as db:
            row = db.execute("SELECT * FROM commands WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return Repeat(_command(row))
            db.execute(
                "INSERT INTO commands (key, request_id, body, reply_topic, state, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    command.id,
                    command.model_dump_json(exclude_none=True),
                    reply_topic,
                    CommandState.ACCEPTED.value,
                    time.time(),
                ),
            )
        return Accepted(key)

    def command(self, key: str) -> StoredCommand:
        """The stored command ``key``."""
        with self._lock:
            row = self._db.execute("SELECT * FROM commands WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise IntegrationError(f"no command {key!r} in the outbox")
        return _command(row)

    def unfinished(self) -> list[StoredCommand]:
        """Commands not answered yet, oldest first (work left by a crash)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM commands WHERE state != 'answered' ORDER BY created"
            ).fetchall()
        return [_command(r) for r in rows]

    def record_dispatch(
        self,
        key: str | None,
        calls: Sequence[dict[str, Any]],
        publishes: Sequence[PublishLike],
        *,
        expires: float | None,
        request_id: str | None = None,
    ) -> None:
        """Store an action's device publishes and mark its command dispatched, atomically."""
        now = time.time()
        with self._write() as db:
            if key is not None:
                row = db.execute(
                    "SELECT calls, request_id FROM commands WHERE key = ?", (key,)
                ).fetchone()
                if row is None:
                    raise IntegrationError(f"no command {key!r} in the outbox")
                known = json.loads(row[0])
                request_id = row[1]
                db.execute(
                    "UPDATE commands SET state = ?, calls = ? WHERE key = ?",
                    (CommandState.DISPATCHED.value, json.dumps([*known, *calls]), key),
                )
            db.executemany(
                "INSERT INTO publishes (command_key, request_id, kind, topic, payload, qos,"
                " retain, created, expires) VALUES (?, ?, 'device', ?, ?, ?, ?, ?, ?)",
                [
                    (key, request_id, p.topic, p.payload, p.qos, int(p.retain), now, expires)
                    for p in publishes
                ],
            )

    def record_answer(self, key: str, answer: bytes) -> None:
        """Store a command's answer and queue it to its reply topic, atomically."""
        now = time.time()
        with self._write() as db:
            row = db.execute(
                "SELECT reply_topic, request_id FROM commands WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                raise IntegrationError(f"no command {key!r} in the outbox")
            db.execute(
                "UPDATE commands SET state = 'answered', answer = ?, finished = ? WHERE key = ?",
                (answer, now, key),
            )
            _insert_answer(db, key, row[1], row[0], answer, now)

    def enqueue_answer(self, topic: str, answer: bytes, request_id: str | None = None) -> None:
        """Queue an answer that belongs to no stored command (a repeat, an error)."""
        with self._write() as db:
            _insert_answer(db, None, request_id, topic, answer, time.time())

    # --- publishes ----------------------------------------------------------------------

    def outgoing(self, after_seq: int = 0, limit: int = 256) -> list[Outgoing]:
        """Publishes not yet acknowledged, in order, after ``after_seq``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, kind, topic, payload, qos, retain, expires, request_id"
                " FROM publishes WHERE done IS NULL AND seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [
            Outgoing(r[0], PublishKind(r[1]), r[2], bytes(r[3]), r[4], bool(r[5]), r[6], r[7])
            for r in rows
        ]

    def mark_done(self, seq: int, outcome: str = "sent") -> None:
        """Mark a publish acknowledged (``sent``) or given up (``expired``, ``refused``)."""
        with self._lock:
            self._db.execute(
                "UPDATE publishes SET done = ?, outcome = ? WHERE seq = ?",
                (time.time(), outcome, seq),
            )

    def open_count(self) -> int:
        """How many publishes wait for a PUBACK."""
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM publishes WHERE done IS NULL").fetchone()
        return int(row[0])

    def prune(self, keep_commands: int = 10_000) -> None:
        """Forget all but the newest answered commands, and finished publishes of old ones."""
        with self._write() as db:
            db.execute(
                "DELETE FROM commands WHERE state = 'answered' AND key NOT IN"
                " (SELECT key FROM commands WHERE state = 'answered'"
                "  ORDER BY finished DESC LIMIT ?)",
                (keep_commands,),
            )
            db.execute(
                "DELETE FROM publishes WHERE done IS NOT NULL AND seq <"
                " (SELECT coalesce(max(seq), 0) FROM publishes) - ?",
                (keep_commands,),
            )


def _insert_answer(
    db: sqlite3.Connection,
    key: str | None,
    request_id: str | None,
    topic: str,
    answer: bytes,
    now: float,
) -> None:
    db.execute(
        "INSERT INTO publishes (command_key, request_id, kind, topic, payload, qos, retain,"
        " created) VALUES (?, ?, 'answer', ?, ?, 1, 0, ?)",
        (key, request_id, topic, answer, now),
    )


def _command(row: sqlite3.Row | tuple[Any, ...]) -> StoredCommand:
    key, _rid, body, reply_topic, state, calls, answer, created, _finished = row
    return StoredCommand(
        key=key,
        command=Command.model_validate_json(body),
        reply_topic=reply_topic,
        state=CommandState(state),
        calls=tuple(json.loads(calls)),
        answer=bytes(answer) if answer is not None else None,
        created=created,
    )
