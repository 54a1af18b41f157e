"""The append transaction: log rows, then the projections, on one connection.

Called inside a unit of work; the caller commits and retries. Nothing here does either.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.events import EventRecord
from domain.stages import Stage
from domain.state import JourneyState
from store.base import StoredEvent
from store.chain import plan_append
from store.hashing import GENESIS
from store.head import Head
from store.projection import apply_records, closed_visits, row_values
from store.schema import events, journeys, stage_durations

EVENT_COLUMNS = [c for c in events.c]
ROW_COLUMNS = [c for c in journeys.c if c.name not in ("last_hash", "snapshot")]

# Built once: appends are the hot path, and building a statement costs more than
# running its cached compiled form.
HEAD = select(journeys.c.last_seq, journeys.c.last_hash, journeys.c.snapshot).where(
    journeys.c.journey_id == bindparam("head_id")
)
INSERT_EVENTS = insert(events)
INSERT_ROW = insert(journeys)
# Append with an expected version: the row moves only if it is still where the
# writer last saw it. The row lock it takes also queues writers of one journey,
# and it is taken before `events` is touched, the order a rebuild locks in too.
ADVANCE_ROW = update(journeys).where(
    journeys.c.journey_id == bindparam("row_id"), journeys.c.last_seq == bindparam("expected_seq")
)
UPSERT_DURATIONS = {}
for _d in (postgresql, sqlite):
    _stmt = _d.insert(stage_durations)
    UPSERT_DURATIONS[_d.__name__.rsplit(".", 1)[-1]] = _stmt.on_conflict_do_update(
        index_elements=["centre_id", "stage"],
        set_={
            "visits": stage_durations.c.visits + _stmt.excluded.visits,
            "total_micro_days": stage_durations.c.total_micro_days + _stmt.excluded.total_micro_days,
        },
    )


class StaleHead(Exception):
    """The journey moved on since its head was read: read it again."""


def stored_event(row: Any) -> StoredEvent:
    return StoredEvent.model_validate(dict(row._mapping))


async def read_log(
    conn: AsyncConnection, journey_id: str, *, first: int = 1, last: int | None = None
) -> list[StoredEvent]:
    q = select(*EVENT_COLUMNS).where(events.c.journey_id == journey_id, events.c.seq >= first)
    if last is not None:
        q = q.where(events.c.seq <= last)
    return [stored_event(r) for r in await conn.execute(q.order_by(events.c.seq))]


async def load_head(conn: AsyncConnection, journey_id: str) -> Head:
    row = (await conn.execute(HEAD, {"head_id": journey_id})).first()
    if row is not None:
        return Head(row.last_seq, row.last_hash, JourneyState.model_validate(row.snapshot), True)
    # Normally a journey without a row has no events; after a failed rebuild it may.
    log = await read_log(conn, journey_id)
    if not log:
        return Head(0, GENESIS, None, False)
    return Head(log[-1].seq, log[-1].hash, apply_records(None, log), False)


async def append_once(
    conn: AsyncConnection, journey_id: str, records: list[EventRecord], head: Head
) -> tuple[list[StoredEvent], Head]:
    """Write what `records` adds after `head`; returns the events and the new head.

    Raises StaleHead (or IntegrityError, from the primary keys) when another writer
    got there first; ConcurrencyError when the batch itself contradicts `head`.
    """
    stored: dict[int, StoredEvent] = {}
    if records and records[0].seq <= head.last_seq:
        overlap = await read_log(conn, journey_id, first=records[0].seq, last=min(records[-1].seq, head.last_seq))
        stored = {e.seq: e for e in overlap}
    plan = plan_append(
        journey_id,
        records,
        last_seq=head.last_seq,
        last_hash=head.last_hash,
        stored=stored,
        recorded_at=datetime.now(UTC),
    )
    if not plan.new:
        return plan.replayed, head

    after = apply_records(head.state, plan.new)
    values = projection_values(after, plan.new[-1].hash)
    if head.has_row:
        del values["journey_id"]
        moved = await conn.execute(ADVANCE_ROW, {**values, "row_id": journey_id, "expected_seq": head.last_seq})
        if moved.rowcount != 1:
            raise StaleHead(journey_id)
    else:
        await conn.execute(INSERT_ROW, values)
    await conn.execute(INSERT_EVENTS, [e.model_dump() for e in plan.new])
    await add_durations(conn, closed_visits(head.state, after))
    return plan.replayed + plan.new, Head(plan.new[-1].seq, plan.new[-1].hash, after, True)


def projection_values(state: JourneyState, last_hash: str) -> dict[str, Any]:
    values = row_values(state)
    values.update(
        stage=str(state.stage),
        outcome=str(state.outcome) if state.outcome else None,
        last_hash=last_hash,
        snapshot=state.model_dump(mode="json"),
    )
    return values


async def add_durations(conn: AsyncConnection, visits: Iterable[tuple[str, Stage, int]]) -> None:
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for centre, stage, micros in visits:
        n, total = totals.get((centre, str(stage)), (0, 0))
        totals[(centre, str(stage))] = (n + 1, total + micros)
    if not totals:
        return
    # Sorted so concurrent appenders take these shared rows' locks in one order (no deadlock).
    rows = [
        {"centre_id": c, "stage": s, "visits": n, "total_micro_days": t} for (c, s), (n, t) in sorted(totals.items())
    ]
    await conn.execute(UPSERT_DURATIONS[conn.dialect.name], rows)
