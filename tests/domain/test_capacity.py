"""Capacity allocation: earliest week with room, first-come waiting list, facts never refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import capacity as cap
from domain.capacity import APHERESIS, BED, CentreBook, CentreCapacity, Need, week_label, week_of
from domain.capacity_view import placement, placements, usage
from journeys import reference_data

# A Monday, so week arithmetic in the tests reads plainly.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MFG = cap.manufacturing("axi-cel")


def book(apheresis: int = 2, *, horizon: int = 2, mfg: int | None = None, bed: int | None = None) -> CentreBook:
    weekly = {APHERESIS: apheresis}
    if mfg is not None:
        weekly[MFG] = mfg
    if bed is not None:
        weekly[BED] = bed
    return CentreBook(capacity=CentreCapacity(centre_id="pku", horizon_weeks=horizon, weekly=weekly))


def need(earliest: datetime = NOW, bed_after_days: int = 21) -> Need:
    return Need(
        earliest=earliest, offsets={APHERESIS: timedelta(), MFG: timedelta(), BED: timedelta(days=bed_after_days)}
    )


def fill(b: CentreBook, n: int, now: datetime = NOW) -> CentreBook:
    for i in range(n):
        b = cap.reserve(b, f"j{i}", need(), now).book
    return b


def test_week_of_is_the_iso_monday_and_labels_follow_iso_years() -> None:
    assert week_of(datetime(2026, 12, 3, 23, 0)) == date(2026, 11, 30)
    assert week_label(date(2026, 12, 28)) == "2026-W53"
    assert week_label(week_of(date(2027, 1, 3))) == "2026-W53"


def test_weeks_are_the_centres_own_calendar_weeks() -> None:
    shanghai = CentreCapacity(centre_id="pku", time_zone="Asia/Shanghai")
    sunday_evening_utc = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert shanghai.week_of(sunday_evening_utc) == date(2026, 12, 7)
    assert CentreCapacity(centre_id="x").week_of(sunday_evening_utc) == date(2026, 11, 30)


def test_reservations_fill_the_earliest_week_then_the_next() -> None:
    b = fill(book(2), 4)
    weeks = [b.find(f"j{i}").week(APHERESIS) for i in range(4)]  # type: ignore[union-attr]
    assert weeks == [date(2026, 11, 30)] * 2 + [date(2026, 12, 7)] * 2


def test_a_full_horizon_puts_journeys_on_the_waiting_list_in_order_with_expected_weeks() -> None:
    b = fill(book(2, horizon=2), 7)
    waiting = [p for p in placements(b, NOW).values() if p.status == "waiting"]
    assert [(p.journey_id, p.position) for p in sorted(waiting, key=lambda p: p.ticket)] == [
        ("j4", 1),
        ("j5", 2),
        ("j6", 3),
    ]
    assert [p.apheresis_week for p in sorted(waiting, key=lambda p: p.ticket)] == ["2026-W51", "2026-W51", "2026-W52"]


def test_a_release_promotes_the_head_of_the_waiting_list() -> None:
    b = fill(book(2, horizon=2), 6)
    change = cap.release(b, "j1", NOW)
    assert [p.journey_id for p in change.promoted] == ["j4"]
    assert change.book.find("j4").week(APHERESIS) == date(2026, 11, 30)  # type: ignore[union-attr]
    assert change.book.find("j5").status == "waiting"  # type: ignore[union-attr]
    assert change.reservation is None


def test_the_horizon_moving_on_promotes_before_a_newcomer_is_placed() -> None:
    b = fill(book(1, horizon=1), 3)
    later = NOW + timedelta(weeks=1)
    change = cap.reserve(b, "new", need(later), later)
    assert [p.journey_id for p in change.promoted] == ["j1"]
    assert change.reservation is not None and change.reservation.status == "waiting"


def test_reserving_twice_is_idempotent() -> None:
    b = fill(book(2), 1)
    again = cap.reserve(b, "j0", need(NOW + timedelta(weeks=3)), NOW)
    assert again.book == b


def test_every_resource_of_the_plan_must_have_room() -> None:
    # Beds are the bottleneck: one admission a week, three weeks after apheresis.
    b = fill(book(5, horizon=4, bed=1), 2)
    assert [b.find(j).week(BED) for j in ("j0", "j1")] == [  # type: ignore[union-attr]
        date(2026, 12, 21),
        date(2026, 12, 28),
    ]
    assert b.find("j1").week(APHERESIS) == date(2026, 12, 7)  # type: ignore[union-attr]


def test_a_rebooking_keeps_the_journeys_place_in_the_queue() -> None:
    b = fill(book(1, horizon=2), 4)
    change = cap.rebook(b, "j0", need(NOW + timedelta(days=10)), NOW)
    # j0 now needs a later week, which is full: its old week goes to the head of the
    # waiting list (j2), and j0 waits ahead of j3 because its ticket is older.
    assert [p.journey_id for p in change.promoted] == ["j2"]
    mine = placement(change.book, "j0", NOW)
    assert mine is not None and mine.status == "waiting" and mine.position == 1
    assert placement(change.book, "j3", NOW).position == 2  # type: ignore[union-attr]


def test_a_reported_fact_is_recorded_in_its_week_even_when_that_week_is_full() -> None:
    b = fill(book(1, horizon=2), 3)
    change = cap.replan(b, "j1", {APHERESIS: NOW}, NOW, forced=frozenset({APHERESIS}))
    assert change.reservation is not None and change.reservation.week(APHERESIS) == week_of(NOW)
    assert change.overbooked == (cap.Slot(resource=APHERESIS, week=week_of(NOW)),)
    # j1's old week is free again: the waiting list moves up.
    assert [p.journey_id for p in change.promoted] == ["j2"]


def test_a_fact_for_a_waiting_journey_reserves_it_around_that_fact() -> None:
    b = fill(book(1, horizon=1, bed=5), 2)
    change = cap.replan(b, "j1", {APHERESIS: NOW + timedelta(days=2)}, NOW, forced=frozenset({APHERESIS}))
    assert change.reservation is not None and change.reservation.status == "reserved"
    assert change.reservation.week(BED) == week_of(NOW + timedelta(days=23))
    assert len(change.overbooked) == 1


def test_late_manufacturing_moves_the_bed_to_the_first_later_week_with_room() -> None:
    b = fill(book(5, horizon=1, bed=1), 2)
    bed_week = b.find("j0").week(BED)  # type: ignore[union-attr]
    change = cap.replan(b, "j0", {BED: NOW + timedelta(days=28)}, NOW)
    assert change.reservation.week(BED) > bed_week  # type: ignore[union-attr,operator]
    assert change.overbooked == ()


def test_a_release_of_an_unknown_journey_changes_nothing() -> None:
    b = fill(book(), 1)
    assert cap.release(b, "nobody", NOW).book == b


def test_usage_counts_capacity_reserved_and_waiting_per_resource_and_week() -> None:
    b = fill(book(2, horizon=1, mfg=5), 3)
    rows = {(r.resource, r.product, r.week): r for r in usage(b, NOW, 2)}
    this_week = rows[("apheresis", None, "2026-W49")]
    assert (this_week.capacity, this_week.reserved, this_week.waiting, this_week.full) == (2, 2, 0, True)
    assert rows[("apheresis", None, "2026-W50")].waiting == 1
    assert rows[("manufacturing", "axi-cel", "2026-W49")].capacity == 5
    assert rows[("bed", None, "2026-W49")].capacity is None


def test_the_shipped_capacity_file_names_every_centre_and_only_known_products() -> None:
    data = reference_data.capacity_file()
    assert set(data.centres) == set(reference_data.centres())
    assert data.for_centre("pku").limit(APHERESIS) == 4
    assert data.for_centre("nowhere").weekly == {}


def test_a_capacity_file_with_an_unknown_product_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "capacity.json"  # type: ignore[operator]
    path.write_text('{"centres": {"pku": {"manufacturing": {"no-such-cel": 1}}}}')
    with pytest.raises(ValueError, match="no-such-cel"):
        reference_data.capacity_file(path)
