"""The append transaction: log rows, then the projections, on one connection.

Called inside a unit of work; the caller commits. Nothing here commits or retries.
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
from store.projection import apply_records, closed_visits, row_from_state
from store.schema import events, journeys, stage_durations

EVENT_COLUMNS = [c for c in events.c]
ROW_COLUMNS = [c for c in journeys.c if c.name not in ("last_hash", "snapshot")]

# Built once: appends are the hot path, and constructing statements costs more than
# running the cached compiled form.
# FOR UPDATE queues appenders of one journey behind each other on PostgreSQL
# (SQLite has one writer anyway); a brand-new journey has no row to lock, so
# there the primary key on (journey_id, seq) decides the race.
HEAD = (select(journeys.c.last_seq, journeys.c.last_hash, journeys.c.snapshot)
        .where(journeys.c.journey_id == bindparam("head_id")).with_for_update())
INSERT_EVENTS = insert(events)
INSERT_ROW = insert(journeys)
UPDATE_ROW = update(journeys).where(journeys.c.journey_id == bindparam("row_id"))
UPSERT_DURATIONS = {}
for _d in (postgresql, sqlite):
    _stmt = _d.insert(stage_durations)
    UPSERT_DURATIONS[_d.__name__.rsplit(".", 1)[-1]] = _stmt.on_conflict_do_update(
        index_elements=["centre_id", "stage"],
        set_={"visits": stage_durations.c.visits + _stmt.excluded.visits,
              "total_micro_days": stage_durations.c.total_micro_days
              + _stmt.excluded.total_micro_days})


def stored_event(row: Any) -> StoredEvent:
    return StoredEvent.model_validate(dict(row._mapping))


def record_of(e: StoredEvent) -> EventRecord:
    return EventRecord(seq=e.seq, kind=e.kind, actor=e.actor, occurred_at=e.occurred_at,
                       payload=e.payload)


async def read_log(conn: AsyncConnection, journey_id: str, *, first: int = 1,
                   last: int | None = None) -> list[StoredEvent]:
    q = select(*EVENT_COLUMNS).where(events.c.journey_id == journey_id, events.c.seq >= first)
    if last is not None:
        q = q.where(events.c.seq <= last)
    return [stored_event(r) for r in await conn.execute(q.order_by(events.c.seq))]


async def append_once(conn: AsyncConnection, journey_id: str,
                      records: list[EventRecord]) -> list[StoredEvent]:
    head = (await conn.execute(HEAD, {"head_id": journey_id})).first()
    state: JourneyState | None = None
    if head is not None:
        last_seq, last_hash = head.last_seq, head.last_hash
        state = JourneyState.model_validate(head.snapshot)
    else:
        # Normally a journey without a row has no events; after a failed rebuild it may.
        log = await read_log(conn, journey_id)
        last_seq, last_hash = (log[-1].seq, log[-1].hash) if log else (0, GENESIS)
        state = apply_records(None, [record_of(e) for e in log]) if log else None

    stored: dict[int, StoredEvent] = {}
    if records and records[0].seq <= last_seq:
        overlap = await read_log(conn, journey_id, first=records[0].seq,
                                 last=min(records[-1].seq, last_seq))
        stored = {e.seq: e for e in overlap}
    plan = plan_append(journey_id, records, last_seq=last_seq, last_hash=last_hash,
                       stored=stored, recorded_at=datetime.now(UTC))
    if not plan.new:
        return plan.replayed

    await conn.execute(INSERT_EVENTS, [e.model_dump() for e in plan.new])
    after = apply_records(state, [record_of(e) for e in plan.new])
    values = projection_values(after, plan.new[-1].hash)
    if head is None:
        await conn.execute(INSERT_ROW, values)
    else:
        del values["journey_id"]
        await conn.execute(UPDATE_ROW, {**values, "row_id": journey_id})
    await add_durations(conn, closed_visits(state, after))
    return plan.replayed + plan.new


def projection_values(state: JourneyState, last_hash: str) -> dict[str, Any]:
    row = row_from_state(state)
    values = row.model_dump()
    values.update(stage=str(row.stage), outcome=str(row.outcome) if row.outcome else None,
                  last_hash=last_hash, snapshot=state.model_dump(mode="json"))
    return values


async def add_durations(conn: AsyncConnection, visits: Iterable[tuple[str, Stage, int]]) -> None:
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for centre, stage, micros in visits:
        n, total = totals.get((centre, str(stage)), (0, 0))
        totals[(centre, str(stage))] = (n + 1, total + micros)
    if not totals:
        return
    # Sorted so concurrent appenders take these shared rows' locks in one order (no deadlock).
    rows = [{"centre_id": c, "stage": s, "visits": n, "total_micro_days": t}
            for (c, s), (n, t) in sorted(totals.items())]
    await conn.execute(UPSERT_DURATIONS[conn.dialect.name], rows)
