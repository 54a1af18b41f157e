"""The event log and its projections (journey list, stage durations).

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("journey_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("journey_id", "seq", name="pk_events"),
    )
    op.create_table(
        "journeys",
        sa.Column("journey_id", ID, nullable=False),
        sa.Column("centre_id", sa.String(64), nullable=False),
        sa.Column("product", sa.String(64), nullable=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("entered_stage_at", TS, nullable=False),
        sa.Column("next_deadline", TS, nullable=True),
        sa.Column("next_deadline_action", sa.String(64), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("open_alerts", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    page = ["started_at", "journey_id"]
    op.create_index("ix_journeys_page", "journeys", page)
    for name in ("stage", "centre_id", "overdue", "outcome"):
        op.create_index(f"ix_journeys_{name}_page", "journeys", [name, *page])
    op.create_table(
        "stage_durations",
        sa.Column("centre_id", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("total_micro_days", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("centre_id", "stage", name="pk_stage_durations"),
    )


def downgrade() -> None:
    op.drop_table("stage_durations")
    for name in ("stage", "centre_id", "overdue", "outcome"):
        op.drop_index(f"ix_journeys_{name}_page", table_name="journeys")
    op.drop_index("ix_journeys_page", table_name="journeys")
    op.drop_table("journeys")
    op.drop_table("events")
