"""The per-journey data keys that seal the patient reference (migration 0004 creates the table)."""

from __future__ import annotations

from sqlalchemy import Column, LargeBinary, String, Table

from store.schema import ID, UtcDateTime, metadata

# One row per journey. `wrapped` is the journey's data key sealed under a codec key (`kid`);
# erasure sets it to NULL, and with it every sealed patient reference of the journey is gone.
journey_keys = Table(
    "journey_keys",
    metadata,
    Column("journey_id", ID, primary_key=True),
    Column("kid", String(64), nullable=False),
    Column("wrapped", LargeBinary(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("erased_at", UtcDateTime(), nullable=True),
    Column("erased_by", String(128), nullable=True),
)
