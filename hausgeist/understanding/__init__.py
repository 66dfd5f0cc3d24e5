"""Understanding: text and state in, a Decision (actions, reply, status) out."""

from hausgeist.understanding.core import Understanding
from hausgeist.understanding.sessions import Conversation, SessionStore
from hausgeist.understanding.types import Decision, Request, Status

__all__ = ["Conversation", "Decision", "Request", "SessionStore", "Status", "Understanding"]
