"""Conversations: what waits for a yes, what waits for an answer to "which one?"."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from hausgeist.devices.actions import ServiceCall
from hausgeist.understanding.intents import Intent


@dataclass(frozen=True)
class PendingConfirm:
    """Actions waiting for a yes or the PIN."""

    calls: tuple[ServiceCall, ...]
    pin: bool
    """The PIN is needed, a yes is not enough."""


@dataclass(frozen=True)
class PendingClarify:
    """A clause waiting to be told which device was meant."""

    intent: Intent
    candidates: tuple[str, ...]
    """Entity ids offered."""
    done: tuple[ServiceCall, ...] = ()
    """Actions of the other clauses of the same request, already resolved."""


@dataclass(frozen=True)
class Conversation:
    """The state of one session between requests."""

    confirm: PendingConfirm | None = None
    clarify: PendingClarify | None = None
    previous: tuple[str, ...] = ()
    """Entity ids the last request was about."""
    updated: float = field(default_factory=time.monotonic)


class SessionStore:
    """Conversations by session id; a pending action expires after ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 60.0, max_sessions: int = 1000) -> None:
        self.ttl_s = ttl_s
        self.max_sessions = max_sessions
        self._items: dict[str, Conversation] = {}
        self._lock = threading.Lock()

    def get(self, session: str | None) -> Conversation:
        """The conversation, or a fresh one; pending parts older than the ttl are dropped."""
        if session is None:
            return Conversation()
        with self._lock:
            found = self._items.get(session)
        if found is None:
            return Conversation()
        if time.monotonic() - found.updated > self.ttl_s:
            return Conversation(previous=found.previous)
        return found

    def put_unless_newer(
        self, session: str | None, before: Conversation, after: Conversation
    ) -> None:
        """Store ``after`` (decided from ``before``) unless the session moved on meanwhile: a
        slow answer (the LLM's) never overwrites what a later request of the session left."""
        if session is None:
            return
        with self._lock:
            current = self._items.get(session)
            if current is None or current.updated <= before.updated:
                self._store(session, after)

    def put(self, session: str | None, conversation: Conversation) -> None:
        """Remember the conversation (oldest sessions forgotten past ``max_sessions``)."""
        if session is None:
            return
        with self._lock:
            self._store(session, conversation)

    def _store(self, session: str, conversation: Conversation) -> None:
        self._items.pop(session, None)
        self._items[session] = conversation
        while len(self._items) > self.max_sessions:
            self._items.pop(next(iter(self._items)))
