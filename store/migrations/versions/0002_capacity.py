"""Capacity book: the per-centre lock row and the reservations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_centres",
        sa.Column("centre_id", sa.String(64), nullable=False),
        sa.Column("next_ticket", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("centre_id"),
    )
    op.create_table(
        "capacity_reservations",
        sa.Column("journey_id", sa.String(64), nullable=False),
        sa.Column("centre_id", sa.String(64), nullable=False),
        sa.Column("ticket", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("earliest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offsets", sa.JSON(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
        sa.UniqueConstraint("centre_id", "ticket", name="uq_capacity_reservations_ticket"),
    )
    op.create_index("ix_capacity_reservations_centre", "capacity_reservations", ["centre_id"])


def downgrade() -> None:
    op.drop_index("ix_capacity_reservations_centre", table_name="capacity_reservations")
    op.drop_table("capacity_reservations")
    op.drop_table("capacity_centres")
