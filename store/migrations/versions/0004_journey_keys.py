"""Per-journey data keys for the patient reference (envelope encryption; erasure nulls the key).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journey_keys",
        sa.Column("journey_id", sa.String(64), primary_key=True),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_by", sa.String(128), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("journey_keys")
