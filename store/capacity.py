"""The capacity book in the database: where reservations of one centre are serialised.

Every booking of a centre runs as one transaction that first locks the centre's
row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite has one writer per file, taken
at `BEGIN IMMEDIATE`), reads the centre's active reservations, lets the pure
`domain.capacity` rules decide, and writes back only what changed. However many
workers race, one centre's bookings happen one after the other, each seeing all
before it; different centres do not wait for each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.capacity import CentreBook, CentreCapacity, Change, Need, Reservation, Slot
from store.capacity_tables import capacity_centres, capacity_reservations
from store.engine import UnitOfWork, outage_as_unavailable

Capacities = Callable[[str], CentreCapacity]
Operation = Callable[[CentreBook], Change]


class CapacityStore(Protocol):
    async def book(self, centre_id: str) -> CentreBook:
        """The centre's capacity and active reservations, as of now (read only)."""
        ...

    async def apply(self, centre_id: str, operation: Operation) -> Change:
        """Run one booking operation on the centre's book, serialised with every other one."""
        ...


def _row(centre_id: str, r: Reservation) -> dict[str, Any]:
    return {
        "journey_id": r.journey_id,
        "centre_id": centre_id,
        "ticket": r.ticket,
        "status": r.status,
        "earliest": r.need.earliest,
        "offsets": {k: v.total_seconds() for k, v in sorted(r.need.offsets.items())},
        "slots": [{"resource": s.resource, "week": s.week.isoformat()} for s in r.slots],
        "updated_at": datetime.now(UTC),
    }


def _reservation(row: Any) -> Reservation:
    need = Need(earliest=row.earliest, offsets={k: timedelta(seconds=v) for k, v in row.offsets.items()})
    slots = tuple(Slot(resource=s["resource"], week=date.fromisoformat(s["week"])) for s in row.slots)
    return Reservation(journey_id=row.journey_id, ticket=row.ticket, need=need, status=row.status, slots=slots)


class SqlCapacityStore:
    def __init__(self, engine: AsyncEngine, capacities: Capacities) -> None:
        self.engine, self._capacities = engine, capacities
        # SQLite serialises writers anyway; queueing them here hands the lock over at
        # once instead of through SQLite's sleeping busy handler.
        self._writers: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    async def _load(self, conn: AsyncConnection, centre_id: str, next_ticket: int) -> CentreBook:
        rows = await conn.execute(select(capacity_reservations).where(capacity_reservations.c.centre_id == centre_id))
        return CentreBook(
            capacity=self._capacities(centre_id),
            reservations=tuple(sorted((_reservation(r) for r in rows), key=lambda r: r.ticket)),
            next_ticket=next_ticket,
        )

    async def book(self, centre_id: str) -> CentreBook:
        async with outage_as_unavailable("capacity read"), self.engine.connect() as conn:
            ticket = (
                await conn.execute(
                    select(capacity_centres.c.next_ticket).where(capacity_centres.c.centre_id == centre_id)
                )
            ).scalar()
            return await self._load(conn, centre_id, ticket or 1)

    async def apply(self, centre_id: str, operation: Operation) -> Change:
        async with outage_as_unavailable("capacity booking"), self._writers, UnitOfWork(self.engine, write=True) as uow:
            conn = uow.conn
            await conn.execute(_insert_centre(conn.dialect.name, centre_id))
            ticket = (
                await conn.execute(
                    select(capacity_centres.c.next_ticket)
                    .where(capacity_centres.c.centre_id == centre_id)
                    .with_for_update()
                )
            ).scalar_one()
            before = await self._load(conn, centre_id, ticket)
            change = operation(before)
            await _write(conn, centre_id, before, change.book)
            await uow.commit()
        return change


def _insert_centre(dialect: str, centre_id: str) -> Any:
    # Safe under a race: the loser of the insert waits for the winner, then does nothing.
    d = postgresql if dialect == "postgresql" else sqlite
    return d.insert(capacity_centres).values(centre_id=centre_id, next_ticket=1).on_conflict_do_nothing()


async def _write(conn: AsyncConnection, centre_id: str, before: CentreBook, after: CentreBook) -> None:
    old = {r.journey_id: r for r in before.reservations}
    new = {r.journey_id: r for r in after.reservations}
    gone = [j for j in old if old[j] != new.get(j)]
    if gone:
        await conn.execute(delete(capacity_reservations).where(capacity_reservations.c.journey_id.in_(gone)))
    added = [_row(centre_id, r) for j, r in new.items() if old.get(j) != r]
    if added:
        await conn.execute(insert(capacity_reservations), added)
    if after.next_ticket != before.next_ticket:
        await conn.execute(
            update(capacity_centres)
            .where(capacity_centres.c.centre_id == centre_id)
            .values(next_ticket=after.next_ticket)
        )


class MemoryCapacityStore:
    """The same contract in process (tests, and the in-memory event store)."""

    def __init__(self, capacities: Capacities) -> None:
        self._capacities = capacities
        self._books: dict[str, CentreBook] = {}
        self._lock = asyncio.Lock()

    async def book(self, centre_id: str) -> CentreBook:
        book = self._books.get(centre_id) or CentreBook(capacity=self._capacities(centre_id))
        # Capacity is reference data: a changed file applies from the next read.
        return book.model_copy(update={"capacity": self._capacities(centre_id)})

    async def apply(self, centre_id: str, operation: Operation) -> Change:
        async with self._lock:
            change = operation(await self.book(centre_id))
            self._books[centre_id] = change.book
            return change


_attached: weakref.WeakKeyDictionary[object, CapacityStore] = weakref.WeakKeyDictionary()


def capacity_store_for(event_store: object, capacities: Capacities) -> CapacityStore:
    """The capacity book that lives beside an event store (same database, same process)."""
    found = _attached.get(event_store)
    if found is None:
        engine = getattr(event_store, "engine", None)
        found = (
            SqlCapacityStore(engine, capacities) if isinstance(engine, AsyncEngine) else MemoryCapacityStore(capacities)
        )
        _attached[event_store] = found
    return found
