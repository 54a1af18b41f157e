"""What people read of a centre's book: the waiting list with expected weeks, and the week grid."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.capacity import (
    APHERESIS,
    BED,
    MANUFACTURING_PREFIX,
    CentreBook,
    Reservation,
    Slot,
    first_fit,
    week_label,
)


class Placement(BaseModel):
    """One journey's place at a centre: held weeks, or its queue position and expected weeks."""

    model_config = ConfigDict(frozen=True)

    journey_id: str
    status: Literal["reserved", "waiting"]
    ticket: int
    # 1 for the head of the waiting list; None when reserved.
    position: int | None = None
    # ISO week label per resource: held when reserved, expected when waiting (empty if no
    # week is in sight, e.g. the centre offers no slots for the product).
    weeks: dict[str, str]

    @property
    def apheresis_week(self) -> str | None:
        return self.weeks.get(APHERESIS)


class SlotUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    resource: str
    # Set for manufacturing slots, which are counted per product.
    product: str | None
    week: str
    # None: the centre does not limit this resource.
    capacity: int | None
    reserved: int
    waiting: int

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.reserved >= self.capacity


def _labels(slots: tuple[Slot, ...]) -> dict[str, str]:
    return {s.resource: week_label(s.week) for s in slots}


def expected(book: CentreBook, now: datetime) -> list[tuple[Reservation, tuple[Slot, ...] | None]]:
    """The waiting list in order, each with the weeks it would get if everyone ahead were served
    first and the horizon did not stop anyone (None when no week is in sight)."""
    held = book.held()
    out: list[tuple[Reservation, tuple[Slot, ...] | None]] = []
    for entry in book.waiting():
        slots = first_fit(book.capacity, held, entry.need, now, None)
        for s in slots or ():
            held[s] += 1
        out.append((entry, slots))
    return out


def placements(book: CentreBook, now: datetime) -> dict[str, Placement]:
    out = {
        r.journey_id: Placement(journey_id=r.journey_id, status="reserved", ticket=r.ticket, weeks=_labels(r.slots))
        for r in book.reservations
        if r.status == "reserved"
    }
    for position, (entry, slots) in enumerate(expected(book, now), start=1):
        out[entry.journey_id] = Placement(
            journey_id=entry.journey_id,
            status="waiting",
            ticket=entry.ticket,
            position=position,
            weeks=_labels(slots or ()),
        )
    return out


def placement(book: CentreBook, journey_id: str, now: datetime) -> Placement | None:
    return placements(book, now).get(journey_id)


def _resource_order(resource: str) -> tuple[int, str]:
    if resource == APHERESIS:
        return (0, resource)
    if resource.startswith(MANUFACTURING_PREFIX):
        return (1, resource)
    return (2 if resource == BED else 3, resource)


def usage(book: CentreBook, now: datetime, weeks: int) -> list[SlotUsage]:
    """Per resource (apheresis, manufacturing per product, beds) and ISO week from this one on:
    capacity, reserved and waiting (journeys on the waiting list expected in that week)."""
    held = book.held()
    waiting: dict[Slot, int] = {}
    for _, slots in expected(book, now):
        for s in slots or ():
            waiting[s] = waiting.get(s, 0) + 1
    resources = set(book.capacity.weekly) | {s.resource for s in held} | {s.resource for s in waiting}
    first = book.capacity.week_of(now)
    grid: list[date] = [first + timedelta(weeks=k) for k in range(weeks)]
    return [
        SlotUsage(
            resource=resource.split(":", 1)[0],
            product=resource.removeprefix(MANUFACTURING_PREFIX) if resource.startswith(MANUFACTURING_PREFIX) else None,
            week=week_label(week),
            capacity=book.capacity.limit(resource),
            reserved=held[Slot(resource=resource, week=week)],
            waiting=waiting.get(Slot(resource=resource, week=week), 0),
        )
        for resource in sorted(resources, key=_resource_order)
        for week in grid
    ]
