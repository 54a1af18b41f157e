"""The capacity book on every backend: 50 acceptances racing for one centre never overbook it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from domain import capacity as cap
from domain.capacity import APHERESIS, BED, CentreCapacity, Need
from domain.capacity_view import placements
from store.capacity import CapacityStore, SqlCapacityStore, capacity_store_for
from store.engine import create_engine
from store.sql import SqlEventStore
from tests.store.conftest import Backend

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MFG = cap.manufacturing("axi-cel")
RACERS = 50
PER_WEEK = 5
HORIZON = 4
# Separate engines (connection pools) so the race is between independent writers, as
# between several workers, not only between tasks sharing one pool.
ENGINES = 5


def five_a_week(centre_id: str) -> CentreCapacity:
    return CentreCapacity(
        centre_id=centre_id, horizon_weeks=HORIZON, weekly={APHERESIS: PER_WEEK, MFG: PER_WEEK, BED: PER_WEEK}
    )


NEED = Need(earliest=NOW, offsets={APHERESIS: timedelta(), MFG: timedelta(days=1), BED: timedelta(days=24)})


async def racing_stores(b: Backend) -> tuple[list[CapacityStore], list[object]]:
    """Several independent stores on the backend's database (one shared store in memory)."""
    if not isinstance(b.store, SqlEventStore):
        return [capacity_store_for(b.store, five_a_week)], []
    url = b.store.engine.url.render_as_string(hide_password=False)
    engines = [create_engine(url, schema=b.store.schema) for _ in range(ENGINES)]
    return [SqlCapacityStore(e, five_a_week) for e in engines], list(engines)


async def test_fifty_acceptances_at_once_give_exactly_five_a_week_and_the_rest_wait_in_order(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    centre = f"c-{uuid.uuid4().hex[:8]}"
    stores, engines = await racing_stores(backend)
    journeys = [f"{centre}-J{i:02d}" for i in range(RACERS)]
    try:
        started = time.perf_counter()
        changes = await asyncio.gather(
            *(
                stores[i % len(stores)].apply(centre, partial(cap.reserve, journey_id=j, need=NEED, now=NOW))
                for i, j in enumerate(journeys)
            )
        )
        elapsed = time.perf_counter() - started
        book = await stores[0].book(centre)
    finally:
        for e in engines:
            await e.dispose()  # type: ignore[attr-defined]

    per_week = Counter(r.week(APHERESIS) for r in book.reservations if r.status == "reserved")
    assert sorted(per_week.values()) == [PER_WEEK] * HORIZON
    for slot, n in book.held().items():
        assert n <= PER_WEEK, slot
    # First come, first served: every reserved journey got its ticket before every waiting one,
    # and tickets are handed out without gaps or repeats.
    by_ticket = sorted(book.reservations, key=lambda r: r.ticket)
    assert [r.ticket for r in by_ticket] == list(range(1, RACERS + 1))
    assert [r.status for r in by_ticket] == ["reserved"] * (PER_WEEK * HORIZON) + ["waiting"] * (
        RACERS - PER_WEEK * HORIZON
    )
    # Earlier tickets never get a later week than later ones.
    weeks = [r.week(APHERESIS) for r in by_ticket[: PER_WEEK * HORIZON]]
    assert weeks == sorted(weeks)  # type: ignore[type-var]
    listed = placements(book, NOW)
    waiting = sorted((p for p in listed.values() if p.status == "waiting"), key=lambda p: p.ticket)
    assert [p.position for p in waiting] == list(range(1, len(waiting) + 1))
    # Each answer the racers got agrees with the book.
    for change in changes:
        assert change.reservation is not None
        assert book.find(change.reservation.journey_id) is not None
    with capsys.disabled():
        print(
            f"\n[{backend.name}] {RACERS} acceptances in {elapsed:.3f}s: reserved per week "
            f"{dict(sorted((str(k), v) for k, v in per_week.items()))}, waiting {len(waiting)}"
        )


async def test_a_release_promotes_the_waiting_list_and_is_persisted(backend: Backend) -> None:
    centre = f"c-{uuid.uuid4().hex[:8]}"
    store = capacity_store_for(backend.store, five_a_week)
    ids = [f"{centre}-J{i}" for i in range(PER_WEEK * HORIZON + 2)]
    for j in ids:
        await store.apply(centre, partial(cap.reserve, journey_id=j, need=NEED, now=NOW))
    change = await store.apply(centre, partial(cap.release, journey_id=ids[3], now=NOW))
    assert [p.journey_id for p in change.promoted] == [ids[-2]]
    book = await store.book(centre)
    assert book.find(ids[3]) is None
    assert book.find(ids[-2]).status == "reserved"  # type: ignore[union-attr]
    assert book.find(ids[-1]).status == "waiting"  # type: ignore[union-attr]
    assert book == change.book
