"""Property: whatever sequence of reserve, release, rebook and plan moves, no week is overbooked,
nobody waits while a week in the horizon has room for them, and only reported facts overbook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import capacity as cap
from domain.capacity import APHERESIS, BED, CentreBook, CentreCapacity, Need

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MFG = cap.manufacturing("eque-cel")
journeys = st.sampled_from([f"j{i}" for i in range(12)])
days = st.integers(0, 40)

ops = st.one_of(
    st.tuples(st.just("reserve"), journeys, days, st.integers(7, 35)),
    st.tuples(st.just("release"), journeys),
    st.tuples(st.just("rebook"), journeys, days, st.integers(7, 35)),
    st.tuples(st.just("move_bed"), journeys, days),
    st.tuples(st.just("fact"), journeys, days),
    st.tuples(st.just("wait"), st.integers(1, 10)),
)
capacities = st.fixed_dictionaries({APHERESIS: st.integers(0, 3), MFG: st.integers(1, 3), BED: st.integers(1, 3)})


def _need(now: datetime, lead: int, bed_after: int) -> Need:
    return Need(
        earliest=now + timedelta(days=lead),
        offsets={APHERESIS: timedelta(), MFG: timedelta(days=1), BED: timedelta(days=bed_after)},
    )


def _check(book: CentreBook, now: datetime, forced_over: set[cap.Slot]) -> None:
    held = book.held()
    for slot, n in held.items():
        limit = book.capacity.limit(slot.resource)
        assert limit is None or n <= limit or slot in forced_over, f"{slot} holds {n} of {limit}"
    last = cap.horizon_end(book.capacity, now)
    for waiting in book.waiting():
        assert not waiting.slots
        assert cap.first_fit(book.capacity, held, waiting.need, now, last) is None, (
            f"{waiting.journey_id} waits although a week in the horizon has room"
        )
    ids = [r.journey_id for r in book.reservations]
    assert len(ids) == len(set(ids))
    tickets = [r.ticket for r in book.reservations]
    assert len(tickets) == len(set(tickets)) and all(t < book.next_ticket for t in tickets)


@settings(max_examples=300, deadline=None)
@given(weekly=capacities, horizon=st.integers(1, 4), steps=st.lists(ops, max_size=40))
def test_reserved_never_exceeds_capacity_except_where_a_fact_was_reported(
    weekly: dict[str, int], horizon: int, steps: list[tuple[object, ...]]
) -> None:
    book = CentreBook(capacity=CentreCapacity(centre_id="c", horizon_weeks=horizon, weekly=weekly))
    now = START
    # Slots a fact was allowed to push over capacity (and that the operation reported).
    forced_over: set[cap.Slot] = set()
    for step in steps:
        match step:
            case ("reserve", str(j), int(lead), int(bed)):
                change = cap.reserve(book, j, _need(now, lead, bed), now)
            case ("release", str(j)):
                change = cap.release(book, j, now)
            case ("rebook", str(j), int(lead), int(bed)):
                change = cap.rebook(book, j, _need(now, lead, bed), now)
            case ("move_bed", str(j), int(d)):
                change = cap.replan(book, j, {BED: now + timedelta(days=d)}, now)
            case ("fact", str(j), int(d)):
                change = cap.replan(book, j, {APHERESIS: now + timedelta(days=d)}, now, forced=frozenset({APHERESIS}))
            case ("wait", int(d)):
                now += timedelta(days=d)
                book, _ = cap.promote(book, now)
                _check(book, now, forced_over)
                continue
            case _:
                raise AssertionError(step)
        before = book.held(excluding=change.reservation.journey_id if change.reservation else None)
        for slot in change.overbooked:
            # Reported only when the fact really went past capacity.
            limit = book.capacity.limit(slot.resource)
            assert limit is not None and before[slot] >= limit
        forced_over |= set(change.overbooked)
        book = change.book
        _check(book, now, forced_over)
