"""Rebuild every projection from the log, in one transaction.

The fold is the same `apply_records` the live appends use and the per-visit
durations are the same integers, so the rebuilt rows equal the live ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.state import JourneyState
from store.projection import apply_records, closed_visits
from store.schema import events, journeys, stage_durations
from store.sql_write import EVENT_COLUMNS, projection_values, stored_event

BATCH = 1000


async def rebuild_projections(conn: AsyncConnection, progress: Callable[[int], None] | None = None) -> int:
    if conn.dialect.name == "postgresql":
        # Appenders lock `journeys` first and `events` second; taking them in the
        # same order here makes appenders wait for the rebuild instead of deadlocking.
        await conn.execute(text("LOCK TABLE journeys IN EXCLUSIVE MODE"))
        await conn.execute(text("LOCK TABLE events IN SHARE MODE"))
        await conn.execute(text("LOCK TABLE stage_durations IN EXCLUSIVE MODE"))
    await conn.execute(delete(journeys))
    await conn.execute(delete(stage_durations))

    rows: list[dict[str, Any]] = []
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    state: JourneyState | None = None
    last_hash, current = "", ""
    count = 0

    async def flush_journey() -> None:
        if state is None:
            return
        rows.append(projection_values(state, last_hash))
        for centre, stage, micros in closed_visits(None, state):
            n, total = totals.get((centre, str(stage)), (0, 0))
            totals[(centre, str(stage))] = (n + 1, total + micros)
        if len(rows) >= BATCH:
            await conn.execute(insert(journeys), rows)
            rows.clear()

    result = await conn.stream(
        select(*EVENT_COLUMNS).order_by(events.c.journey_id, events.c.seq).execution_options(yield_per=BATCH)
    )
    async for raw in result:
        e = stored_event(raw)
        if e.journey_id != current:
            await flush_journey()
            state, current = None, e.journey_id
        state = apply_records(state, [e])
        last_hash = e.hash
        count += 1
        if progress is not None and count % BATCH == 0:
            progress(count)
    await flush_journey()
    if rows:
        await conn.execute(insert(journeys), rows)
    if totals:
        await conn.execute(
            insert(stage_durations),
            [
                {"centre_id": c, "stage": s, "visits": n, "total_micro_days": t}
                for (c, s), (n, t) in sorted(totals.items())
            ],
        )
    return count
