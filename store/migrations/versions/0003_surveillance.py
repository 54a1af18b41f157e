"""Journey list: long-term surveillance status and the next yearly check's due date.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add columns with constraints in place.
    with op.batch_alter_table("journeys") as batch:
        batch.add_column(sa.Column("surveillance", sa.String(16), nullable=True))
        batch.add_column(sa.Column("surveillance_due", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_journeys_surveillance_page", "journeys", ["surveillance", "started_at", "journey_id"])


def downgrade() -> None:
    op.drop_index("ix_journeys_surveillance_page", table_name="journeys")
    with op.batch_alter_table("journeys") as batch:
        batch.drop_column("surveillance_due")
        batch.drop_column("surveillance")
