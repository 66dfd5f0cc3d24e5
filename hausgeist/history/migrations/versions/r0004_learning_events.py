"""Keep what the agent learns from: corrections, answers, values, feedback, forgetting.

``hausgeist learned`` lists what they add up to.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "learning_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("home", sa.Text(), nullable=True),
        sa.UniqueConstraint("event_id", name="uq_learning_events_event_id"),
    )
    op.create_index("ix_learning_events_home_id", "learning_events", ["home", "id"])
    op.create_index("ix_learning_events_time", "learning_events", ["time"])


def downgrade() -> None:
    op.drop_index("ix_learning_events_time", table_name="learning_events")
    op.drop_index("ix_learning_events_home_id", table_name="learning_events")
    op.drop_table("learning_events")
