"""Understanding: text and state in, a Decision (actions, reply, status) out."""

from hausgeist.understanding.core import Understanding
from hausgeist.understanding.sessions import (
    Conversation,
    PendingClarify,
    PendingConfirm,
    SessionStore,
)
from hausgeist.understanding.types import Decision, Request, Status

__all__ = [
    "Conversation",
    "Decision",
    "PendingClarify",
    "PendingConfirm",
    "Request",
    "SessionStore",
    "Status",
    "Understanding",
]
