"""What a capacity answer adds to the journey's log: only changes, and one alert per overbooking."""

from __future__ import annotations

from datetime import date

from domain.capacity import APHERESIS, Slot
from domain.capacity_events import ReservationReleased, ReservationUpdated, reservation_events
from domain.capacity_view import Placement
from domain.events import AlertRaised
from domain.state import evolve
from tests.helpers.pathway import Pathway

HELD = Placement(journey_id="J1", status="reserved", ticket=1, weeks={APHERESIS: "2026-W49"})
FULL = [Slot(resource=APHERESIS, week=date(2026, 11, 30))]


def test_an_unchanged_placement_records_nothing_and_a_change_records_it_once() -> None:
    p = Pathway().to_screening()
    [updated] = reservation_events(p.state, "reserve", HELD, [], p.now)
    assert isinstance(updated, ReservationUpdated) and updated.reason == "reserved on estimate acceptance"
    state = evolve(p.state, updated)
    assert state.reservation == HELD
    assert reservation_events(state, "look", HELD, [], p.now) == []
    [released] = reservation_events(state, "release", None, [], p.now)
    assert isinstance(released, ReservationReleased) and evolve(state, released).reservation is None


def test_a_week_a_fact_overbooks_raises_one_warning_for_ops_until_it_is_acknowledged() -> None:
    p = Pathway().to_screening()
    state = evolve(p.state, ReservationUpdated(placement=HELD, reason="r", occurred_at=p.now, actor="system"))
    [alert] = reservation_events(state, "replan", HELD, FULL, p.now)
    assert isinstance(alert, AlertRaised) and alert.code == "capacity_overbooked"
    assert alert.severity.value == "warning" and "apheresis 2026-W49" in alert.message
    assert reservation_events(evolve(state, alert), "replan", HELD, FULL, p.now) == []
