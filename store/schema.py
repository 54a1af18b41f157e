"""Tables of the event store. The migrations create exactly these (a test compares them)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Always UTC and always aware on the way out, whatever the backend keeps.

    SQLite stores naive text; normalising to UTC on the way in keeps its text
    order equal to time order, which the keyset pagination relies on.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

ID = String(64)

# The log. The primary key on (journey_id, seq) is the optimistic-concurrency
# arbiter: of two writers racing for the same seq, exactly one insert succeeds.
events = Table(
    "events",
    metadata,
    Column("journey_id", ID, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    # Plain JSON (not JSONB) keeps the text as written; the hash covers a canonical form anyway.
    Column("payload", JSON(), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("journey_id", "seq", name="pk_events"),
)

# Projection: one row per journey, plus the folded state so an append applies
# only its own events instead of re-reading the log.
journeys = Table(
    "journeys",
    metadata,
    Column("journey_id", ID, primary_key=True),
    Column("centre_id", String(64), nullable=False),
    Column("product", String(64), nullable=True),
    Column("stage", String(32), nullable=False),
    Column("outcome", String(32), nullable=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("entered_stage_at", UtcDateTime(), nullable=False),
    Column("next_deadline", UtcDateTime(), nullable=True),
    Column("next_deadline_action", String(64), nullable=True),
    Column("overdue", Boolean(), nullable=False),
    Column("open_alerts", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("snapshot", JSON(), nullable=False),
    # Long-term surveillance after a completed journey: active / ended, and the next check due.
    Column("surveillance", String(16), nullable=True),
    Column("surveillance_due", UtcDateTime(), nullable=True),
)

# Keyset pagination orders by (started_at, journey_id); each filter gets an index
# that leads with it and then follows that order, so a page is one index range scan.
_page = (journeys.c.started_at, journeys.c.journey_id)
Index("ix_journeys_page", *_page)
for _name in ("stage", "centre_id", "overdue", "outcome", "surveillance"):
    Index(f"ix_journeys_{_name}_page", journeys.c[_name], *_page)

# Projection: closed stage visits per centre and stage. Totals are integer
# micro-days so sums are exact and independent of the order they were added in.
stage_durations = Table(
    "stage_durations",
    metadata,
    Column("centre_id", String(64), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("visits", Integer, nullable=False),
    Column("total_micro_days", BigInteger, nullable=False),
    PrimaryKeyConstraint("centre_id", "stage", name="pk_stage_durations"),
)

PROJECTIONS = (journeys, stage_durations)


# Tables other features add live in their own modules but share this metadata (the
# migration tests compare all of it); imported last, as they build on the above.
from store import capacity_tables, personal_tables  # noqa: E402,F401
