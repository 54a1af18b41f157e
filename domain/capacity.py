"""Centre capacity: weekly slots per resource, a first-come waiting list, no overbooking by plan.

A centre publishes, per ISO week, how many apheresis chairs, manufacturing slots
(per product) and inpatient-bed admissions it can give, for a horizon of weeks
ahead. Accepting a journey's estimate reserves the earliest week, within the
horizon, in which every resource its plan needs has room (apheresis that week,
manufacturing and the bed in the weeks the policy's durations put them); if no
week has room the journey waits, first come first served, and learns the week it
can expect. Every change (a release, a rebooking, the horizon moving on) first
promotes the waiting list in order.

Plans never overbook. Facts do: what a centre reports as done happened, so it is
recorded in the week it happened even if that week is full, and the overbooked
slots come back to the caller to raise as an alert, never as a refusal.

Pure: the store serialises the calls per centre and persists the book.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

APHERESIS = "apheresis"
BED = "bed"
MANUFACTURING_PREFIX = "manufacturing:"
# How far ahead anyone searches for room before saying "no week is in sight".
SEARCH_WEEKS = 520


def manufacturing(product: str) -> str:
    return f"{MANUFACTURING_PREFIX}{product}"


def week_of(moment: date | datetime) -> date:
    """The Monday of the ISO week `moment` falls in (pass centre-local times)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_label(week: date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


class CentreCapacity(BaseModel):
    model_config = ConfigDict(frozen=True)

    centre_id: str
    # Weeks ahead (the current one included) in which reservations are taken.
    horizon_weeks: int = Field(8, ge=1, le=104)
    # Slots per ISO week; a resource that is not listed is not limited.
    weekly: dict[str, int] = Field(default_factory=dict)
    # Weeks are the centre's own calendar weeks (IANA zone name).
    time_zone: str = "UTC"

    def limit(self, resource: str) -> int | None:
        return self.weekly.get(resource)

    def week_of(self, moment: datetime) -> date:
        """The Monday of the centre-local ISO week `moment` falls in."""
        return week_of(moment.astimezone(ZoneInfo(self.time_zone)))


class Slot(BaseModel):
    model_config = ConfigDict(frozen=True)
    resource: str
    week: date


class Need(BaseModel):
    """What a journey's plan asks for: its earliest apheresis and each resource's offset from it."""

    model_config = ConfigDict(frozen=True)

    earliest: datetime
    offsets: dict[str, timedelta]


class Reservation(BaseModel):
    model_config = ConfigDict(frozen=True)

    journey_id: str
    # First-come order at the centre; a rebooking keeps it.
    ticket: int
    need: Need
    status: Literal["reserved", "waiting"]
    # Held slots while reserved; empty while waiting.
    slots: tuple[Slot, ...] = ()

    def week(self, resource: str) -> date | None:
        return next((s.week for s in self.slots if s.resource == resource), None)


class CentreBook(BaseModel):
    """A centre's capacity and its active reservations: the state the store serialises."""

    model_config = ConfigDict(frozen=True)

    capacity: CentreCapacity
    reservations: tuple[Reservation, ...] = ()
    next_ticket: int = 1

    def find(self, journey_id: str) -> Reservation | None:
        return next((r for r in self.reservations if r.journey_id == journey_id), None)

    def held(self, *, excluding: str | None = None) -> Counter[Slot]:
        return Counter(s for r in self.reservations if r.journey_id != excluding for s in r.slots)

    def waiting(self) -> list[Reservation]:
        return sorted((r for r in self.reservations if r.status == "waiting"), key=lambda r: r.ticket)


class Change(BaseModel):
    """What one operation did, for the caller to turn into events and alerts."""

    model_config = ConfigDict(frozen=True)

    book: CentreBook
    # The journey the operation was about, after it (None once released or if unknown).
    reservation: Reservation | None
    # Other journeys taken off the waiting list by this operation.
    promoted: tuple[Reservation, ...] = ()
    # Slots a reported fact put past capacity (an alert for ops).
    overbooked: tuple[Slot, ...] = ()


def has_room(capacity: CentreCapacity, held: Counter[Slot], slot: Slot) -> bool:
    limit = capacity.limit(slot.resource)
    return limit is None or held[slot] < limit


def plan_at(capacity: CentreCapacity, need: Need, anchor: datetime) -> tuple[Slot, ...]:
    return tuple(Slot(resource=res, week=capacity.week_of(anchor + off)) for res, off in sorted(need.offsets.items()))


def first_fit(
    capacity: CentreCapacity, held: Counter[Slot], need: Need, now: datetime, last_week: date | None
) -> tuple[Slot, ...] | None:
    """The earliest plan (moving the apheresis a week at a time) with room for every slot.

    `last_week` bounds the apheresis week (the horizon); None searches as far as
    anyone would plan, to tell a waiting journey what to expect.
    """
    start = max(need.earliest, now)
    for k in range(SEARCH_WEEKS):
        anchor = start + timedelta(weeks=k)
        if last_week is not None and capacity.week_of(anchor) > last_week:
            return None
        slots = plan_at(capacity, need, anchor)
        if all(has_room(capacity, held, s) for s in slots):
            return slots
    return None


def horizon_end(capacity: CentreCapacity, now: datetime) -> date:
    return capacity.week_of(now) + timedelta(weeks=capacity.horizon_weeks - 1)


def _replace(book: CentreBook, journey_id: str, new: Reservation | None) -> CentreBook:
    rest = [r for r in book.reservations if r.journey_id != journey_id] + ([new] if new else [])
    # Kept in ticket order, so equal books compare equal however they were built.
    return book.model_copy(update={"reservations": tuple(sorted(rest, key=lambda r: r.ticket))})


def promote(book: CentreBook, now: datetime) -> tuple[CentreBook, tuple[Reservation, ...]]:
    """Reserve, in ticket order, every waiting journey that now fits within the horizon."""
    last, promoted = horizon_end(book.capacity, now), []
    for waiting in book.waiting():
        slots = first_fit(book.capacity, book.held(), waiting.need, now, last)
        if slots is None:
            continue
        moved = waiting.model_copy(update={"status": "reserved", "slots": slots})
        book = _replace(book, waiting.journey_id, moved)
        promoted.append(moved)
    return book, tuple(promoted)


def _settle(book: CentreBook, journey_id: str, now: datetime, overbooked: tuple[Slot, ...] = ()) -> Change:
    book, promoted = promote(book, now)
    return Change(
        book=book,
        reservation=book.find(journey_id),
        overbooked=overbooked,
        promoted=tuple(p for p in promoted if p.journey_id != journey_id),
    )


def reserve(book: CentreBook, journey_id: str, need: Need, now: datetime) -> Change:
    """Reserve the earliest week with room, else join the waiting list. Idempotent per journey."""
    existing = book.find(journey_id)
    if existing is not None:
        return Change(book=book, reservation=existing)
    # The waiting list goes first: a newcomer never takes room someone ahead of it fits in.
    book, ahead = promote(book, now)
    entry = Reservation(journey_id=journey_id, ticket=book.next_ticket, need=need, status="waiting")
    book = _replace(book, journey_id, entry).model_copy(update={"next_ticket": book.next_ticket + 1})
    change = _settle(book, journey_id, now)
    return change.model_copy(update={"promoted": ahead + change.promoted})


def release(book: CentreBook, journey_id: str, now: datetime) -> Change:
    """Give back everything the journey holds or waits for, and promote the waiting list."""
    if book.find(journey_id) is None:
        return Change(book=book, reservation=None)
    return _settle(_replace(book, journey_id, None), journey_id, now)


def rebook(book: CentreBook, journey_id: str, need: Need, now: datetime) -> Change:
    """Plan again from a new need (re-apheresis), keeping the journey's place in the queue."""
    existing = book.find(journey_id)
    if existing is None:
        return reserve(book, journey_id, need, now)
    entry = existing.model_copy(update={"need": need, "status": "waiting", "slots": ()})
    return _settle(_replace(book, journey_id, entry), journey_id, now)


def replan(
    book: CentreBook,
    journey_id: str,
    targets: dict[str, datetime],
    now: datetime,
    *,
    forced: frozenset[str] = frozenset(),
) -> Change:
    """Move some of a journey's slots: `forced` ones to exactly their target week (a reported
    fact, overbooking if it must), the others to the earliest week from their target with room
    (a plan that slipped, e.g. manufacturing running late moves the bed).

    A waiting journey that a fact overtakes is reserved: the centre has it in hand.
    Resources the journey needs but `targets` does not name keep their week, or are
    planned from the need if the journey was waiting. A journey without a reservation is left alone.
    """
    existing = book.find(journey_id)
    if existing is None:
        return Change(book=book, reservation=None)
    held = book.held(excluding=journey_id)
    current = {s.resource: s.week for s in existing.slots} or _planned(book.capacity, existing.need, targets, now)
    slots: list[Slot] = []
    over: list[Slot] = []
    for resource in sorted(set(current) | set(targets)):
        start = book.capacity.week_of(targets[resource]) if resource in targets else current[resource]
        slot = Slot(resource=resource, week=start)
        if resource not in forced or resource not in targets:
            slot = _first_week_with_room(book.capacity, held, resource, start) or slot
        if not has_room(book.capacity, held, slot):
            over.append(slot)
        held[slot] += 1
        slots.append(slot)
    moved = existing.model_copy(update={"status": "reserved", "slots": tuple(slots)})
    return _settle(_replace(book, journey_id, moved), journey_id, now, tuple(over))


def _planned(capacity: CentreCapacity, need: Need, targets: dict[str, datetime], now: datetime) -> dict[str, date]:
    """A waiting journey's weeks, anchored on a reported fact when one of its resources has one."""
    anchor = max(need.earliest, now)
    for resource, moment in sorted(targets.items()):
        if resource in need.offsets:
            anchor = moment - need.offsets[resource]
            break
    return {s.resource: s.week for s in plan_at(capacity, need, anchor)}


def _first_week_with_room(capacity: CentreCapacity, held: Counter[Slot], resource: str, start: date) -> Slot | None:
    for k in range(SEARCH_WEEKS):
        slot = Slot(resource=resource, week=start + timedelta(weeks=k))
        if has_room(capacity, held, slot):
            return slot
    # No room in ten years (a resource with no capacity at all): the caller keeps the
    # plan's week and reports it as overbooked.
    return None


class CentreSlots(BaseModel):
    """One centre's entry in the capacity file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    horizon_weeks: int | None = Field(None, ge=1, le=104)
    apheresis: int | None = Field(None, ge=0)
    # Manufacturing slots per week, per product.
    manufacturing: dict[str, int] = Field(default_factory=dict)
    # Inpatient-bed admissions per week (stays that start that week).
    bed: int | None = Field(None, ge=0)


class CapacityFile(BaseModel):
    """The reference data file: weekly capacity per centre and resource."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    horizon_weeks: int = Field(8, ge=1, le=104)
    centres: dict[str, CentreSlots] = Field(default_factory=dict)

    def for_centre(self, centre_id: str, time_zone: str = "UTC") -> CentreCapacity:
        """A centre the file does not name is not limited (nothing to book against)."""
        entry = self.centres.get(centre_id, CentreSlots())
        weekly = {manufacturing(p): n for p, n in entry.manufacturing.items()}
        if entry.apheresis is not None:
            weekly[APHERESIS] = entry.apheresis
        if entry.bed is not None:
            weekly[BED] = entry.bed
        return CentreCapacity(
            centre_id=centre_id,
            horizon_weeks=entry.horizon_weeks or self.horizon_weeks,
            weekly=weekly,
            time_zone=time_zone,
        )
