"""Alembic environment: runs the revisions on the connection `schema.upgrade` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from hausgeist.errors import HistoryError
from hausgeist.history.tables import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise HistoryError(
        "the history migrations run on an open connection; "
        "use hausgeist.history.schema.upgrade() rather than the alembic command line"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
