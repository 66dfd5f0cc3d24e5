"""The history database: every request the agent handles and its decision.

`SqlHistory` keeps `HistoryEntry` records in SQLite (default) or PostgreSQL, migrated by
the Alembic revisions shipped in ``migrations/``. Records go to a crash-safe spool first,
so a locked, full or unreachable database never stops a command.
"""

from hausgeist.history.entry import HistoryEntry
from hausgeist.history.format import format_history, summarise_actions
from hausgeist.history.store import SqlHistory

__all__ = ["HistoryEntry", "SqlHistory", "format_history", "summarise_actions"]
