"""Record which home each request is from.

Several homes may share one history database (a PostgreSQL server, or the default data
directory of one user); ``hausgeist history`` shows the configured home's requests. Rows
recorded before keep ``home`` NULL: their home is not known.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("home", sa.Text(), nullable=True))
    op.create_index("ix_requests_home_time", "requests", ["home", "time"])


def downgrade() -> None:
    op.drop_index("ix_requests_home_time", table_name="requests")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("home")
