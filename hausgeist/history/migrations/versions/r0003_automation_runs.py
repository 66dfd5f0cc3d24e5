"""Keep every run of an automation: its trigger, conditions, steps and how it ended.

``hausgeist automations list``, ``show`` and ``trace`` read them back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "automation_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("automation", sa.String(), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("trigger", _JSON, nullable=False),
        sa.Column("conditions", _JSON, nullable=False),
        sa.Column("steps", _JSON, nullable=False),
        sa.Column("dropped_steps", sa.Integer(), nullable=False),
        sa.Column("home", sa.Text(), nullable=True),
        sa.UniqueConstraint("run_id", name="uq_automation_runs_run_id"),
    )
    op.create_index(
        "ix_automation_runs_automation_started", "automation_runs", ["automation", "started"]
    )
    op.create_index("ix_automation_runs_started", "automation_runs", ["started"])


def downgrade() -> None:
    op.drop_index("ix_automation_runs_started", table_name="automation_runs")
    op.drop_index("ix_automation_runs_automation_started", table_name="automation_runs")
    op.drop_table("automation_runs")
