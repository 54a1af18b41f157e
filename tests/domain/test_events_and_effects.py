"""Events round-trip through their stored form; effects are the calls each event implies."""

from __future__ import annotations

import pytest

from domain import capacity_events as ce
from domain import events as ev
from domain import surveillance as sv
from domain.capacity_view import Placement
from domain.effects import TRAVEL_ITEMS, Book, Compensate, Effect, Notify, SafetyAlert, effects_of
from domain.milestones import MILESTONE_KINDS
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage
from domain.state import TELECONSULT_SLOT, fold
from domain.view import view
from tests.helpers.pathway import COI, T0, Pathway

WHEN = T0


def surveillance_events() -> list[ev.Event]:
    check = sv.SurveillanceCheck(milestone_id="s1", occurred_at=WHEN, year=2, alive=True, disease_status="stable")
    return [
        sv.SurveillanceStarted(
            policy=sv.SurveillancePolicy(), anchor=WHEN, first_year=2, occurred_at=WHEN, actor="system"
        ),
        sv.SurveillanceCheckRecorded(check=check, occurred_at=WHEN, actor="centre:pku"),
        sv.SurveillanceCheckMissed(year=3, due_at=WHEN, occurred_at=WHEN, actor="system"),
        sv.SurveillanceEnded(reason="horizon_reached", occurred_at=WHEN, actor="system"),
    ]


def reservation_events() -> list[ev.Event]:
    placement = Placement(journey_id="J1", status="waiting", ticket=3, position=1, weeks={"apheresis": "2026-W50"})
    return [
        ce.ReservationUpdated(placement=placement, reason="reserved", occurred_at=WHEN, actor="system"),
        ce.ReservationReleased(reason="released", occurred_at=WHEN, actor="system"),
    ]


def every_event_type() -> list[ev.Event]:
    """At least one event of every type, and a milestone event of every kind."""
    p = Pathway().to_stay()
    p.report("monitoring_reported", crs_grade=3, icans_grade=0)
    p.later(14).report("discharged")
    p.later(20).report("follow_up_recorded", visit_day=30, response="CR")
    p.later(80)
    p.report("adverse_event_reported", term="rash", grade=1)
    p.report("death_reported", cause="sepsis")
    extra: list[ev.Event] = [
        ev.AlertAcknowledged(alert_id="A1", note="seen", occurred_at=WHEN, actor="ops:a"),
        ev.BookingMade(item="flight", reference="R1", occurred_at=WHEN, actor="system"),
        ev.BookingCancelled(item="flight", reference="R1", occurred_at=WHEN, actor="system"),
        ev.JourneyWithdrawn(reason="why", occurred_at=WHEN, actor="ops:a"),
        ev.PersonalDataErased(occurred_at=WHEN, actor="ops:a"),
        *surveillance_events(),
        *reservation_events(),
    ]
    q = Pathway().to_manufacturing()
    q.report(
        "custody_transferred",
        coi=COI,
        from_party="site",
        to_party="courier",
        condition="excursion",
        temperature_c=-120.0,
        seal_id="S1",
        excursion_minutes=20,
    )
    q.report("quality_release", coi=COI, approved_by="qp-1", decision="release")
    q.report("manufacturing_failed", reason="x", next="out_of_spec")
    q.report("product_released", coi=COI, lot="L", out_of_spec_approved_by="dr-wu")
    q.report("infusion_completed", coi=COI)
    # Second-edition events: a missed visit, a product named at eligibility bringing its policy.
    t = Pathway(edition=2, catalogue={"axi-cel": PathwayPolicy()}).to_stay()
    t.later(15).report("monitoring_reported", crs_grade=0, icans_grade=0)
    t.report("discharged")
    t.later(60)
    r = Pathway().to_screening()
    r.report("eligibility_decided", eligible=False, reasons=["a"])
    s = Pathway().to_teleconsult()
    s.report("teleconsult_completed", outcome="more_records")
    u = Pathway(language="en").to_estimate()  # patient services: the money milestones, the deposit gate
    u.report("deposit_overridden", reason="guarantee letter")
    u.report("payment_received", amount="1000.00", currency="USD")
    u.report("estimate_accepted")
    u.report("charge_posted", item="apheresis", amount="7200.00", currency="CNY")
    return p.events + q.events + r.events + s.events + t.events + u.events + extra


def test_the_sample_covers_every_event_type_and_every_milestone_kind() -> None:
    seen = {e.record_kind() for e in every_event_type()}
    assert set(ev.EVENT_TYPES) <= seen
    assert set(MILESTONE_KINDS) <= seen


@pytest.mark.parametrize("event", every_event_type(), ids=lambda e: e.record_kind())
def test_an_event_rebuilt_from_its_record_equals_the_original(event) -> None:
    record = ev.to_record(event, 7)
    assert record.seq == 7 and record.kind == event.record_kind()
    assert record.to_event() == event
    # Through JSON too, as the store and Temporal carry it.
    assert ev.EventRecord.model_validate_json(record.model_dump_json()).to_event() == event


def test_a_milestone_is_recorded_under_its_own_kind_without_the_kind_in_the_payload() -> None:
    p = Pathway()
    [accepted, _] = p.report("records_received", documents=["ct"])
    record = ev.to_record(accepted, 2)
    assert record.kind == "records_received" and "kind" not in record.payload
    assert record.payload["documents"] == ["ct"] and record.actor == "centre:pku"


def test_folding_the_recorded_events_rebuilds_the_live_state() -> None:
    p = Pathway().to_follow_up()
    records = [ev.to_record(e, i + 1) for i, e in enumerate(p.events)]
    rebuilt = [r.to_event() for r in records]
    assert isinstance(rebuilt[0], ev.JourneyStarted)
    assert fold(rebuilt[0], rebuilt[1:]) == p.state


def effect_kinds(effects: list[Effect]) -> list[tuple[str, str | None]]:
    return [(e.kind, e.subject() or None) for e in effects]


def test_entering_teleconsult_books_a_slot_and_travel_books_flight_accommodation_interpreter() -> None:
    tele = ev.StageEntered(stage=Stage.TELECONSULT, previous=Stage.RECORDS, occurred_at=WHEN, actor="system")
    travel = ev.StageEntered(stage=Stage.TRAVEL, previous=Stage.SCREENING, occurred_at=WHEN, actor="system")
    assert effect_kinds(effects_of(tele, 3)) == [("book", TELECONSULT_SLOT)]
    assert effect_kinds(effects_of(travel, 9)) == [("book", item) for item in TRAVEL_ITEMS]
    assert TRAVEL_ITEMS == ("flight", "accommodation", "interpreter")


@pytest.mark.parametrize("stage", [s for s in Stage if s not in (Stage.TELECONSULT, Stage.TRAVEL)])
def test_entering_other_stages_calls_nobody(stage) -> None:
    entered = ev.StageEntered(stage=stage, previous=None, occurred_at=WHEN, actor="system")
    assert effects_of(entered, 2) == []


def test_a_reminder_notifies_its_audience() -> None:
    r = ev.ReminderSent(deadline="k", audience="patient", message="m", occurred_at=WHEN, actor="system")
    assert effect_kinds(effects_of(r, 4)) == [("notify", "patient")]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.CRITICAL, "safety_alert"),
        (Severity.HIGH, "safety_alert"),
        (Severity.WARNING, "notify"),
        (Severity.INFO, "notify"),
    ],
)
def test_critical_and_high_alerts_page_safety_and_the_rest_notify_ops(severity, expected) -> None:
    alert = ev.AlertRaised(alert_id="A1", severity=severity, code="c", message="m", occurred_at=WHEN, actor="system")
    [effect] = effects_of(alert, 5)
    assert effect.kind == expected
    if expected == "safety_alert":
        assert (effect.severity, effect.code) == (severity, "c")
    else:
        assert effect.audience == "ops"


def failure_alert(code: str) -> ev.AlertRaised:
    return ev.AlertRaised(
        alert_id="A1",
        severity=Severity.HIGH,
        code=code,
        message="m",
        occurred_at=WHEN,
        actor="system",
    )


def test_an_alert_about_a_failed_notification_calls_nobody() -> None:
    # Notifying through the channel that just failed would fail again, alert again, forever.
    assert effects_of(failure_alert("notify_failed"), 5) == []


def test_a_safety_page_that_failed_falls_back_to_notifying_ops_once() -> None:
    assert effect_kinds(effects_of(failure_alert("safety_alert_failed"), 5)) == [("notify", "ops")]


@pytest.mark.parametrize("code", ["book_failed", "compensate_failed"])
def test_a_failed_booking_or_cancellation_pages_safety(code) -> None:
    assert effect_kinds(effects_of(failure_alert(code), 5)) == [("safety_alert", None)]


def test_withdrawal_compensates_then_tells_the_centre() -> None:
    ended = ev.JourneyEnded(outcome=Outcome.WITHDRAWN, reason="r", occurred_at=WHEN, actor="ops:a")
    assert effect_kinds(effects_of(ended, 8)) == [("compensate", None), ("notify", "centre")]


@pytest.mark.parametrize("outcome", [o for o in Outcome if o is not Outcome.WITHDRAWN])
def test_every_other_ending_tells_the_centre(outcome) -> None:
    ended = ev.JourneyEnded(outcome=outcome, reason="r", occurred_at=WHEN, actor="system")
    [effect] = effects_of(ended, 8)
    assert effect.kind == "notify" and effect.audience == "centre" and str(outcome) in effect.message


@pytest.mark.parametrize(
    "event",
    [
        ev.BookingMade(item="flight", reference="R", occurred_at=WHEN, actor="system"),
        ev.BookingCancelled(item="flight", reference="R", occurred_at=WHEN, actor="system"),
        ev.AlertAcknowledged(alert_id="A1", note="", occurred_at=WHEN, actor="ops:a"),
        ev.JourneyWithdrawn(reason="r", occurred_at=WHEN, actor="ops:a"),
    ],
)
def test_bookkeeping_events_call_nobody(event) -> None:
    assert effects_of(event, 3) == []


def test_the_idempotency_key_names_journey_sequence_and_target() -> None:
    # Unchanged since the first edition: a journey continued across a deploy redoes the same keyed call.
    assert Book(seq=9, item="flight").idempotency_key("J1") == "J1:9:book:flight"
    assert Notify(seq=9, audience="ops").idempotency_key("J1") == "J1:9:notify:ops"
    assert SafetyAlert(seq=9, severity=Severity.HIGH, code="c").idempotency_key("J1") == "J1:9:safety_alert:"
    assert Compensate(seq=9).idempotency_key("J1") == "J1:9:compensate:"


def test_the_view_shows_stage_deadlines_coi_and_open_alerts() -> None:
    p = Pathway().to_manufacturing().later(36)
    v = view(p.state)
    assert v.stage is Stage.MANUFACTURING and v.coi == COI and v.overdue
    assert [a.code for a in v.open_alerts] == ["manufacturing_warn", "manufacturing_escalate"]
    assert v.next_deadline is None and v.last_seq == p.state.seq


def test_a_teleconsult_slot_confirmed_after_the_teleconsult_is_not_held() -> None:
    p = Pathway().to_screening()
    p.apply([ev.BookingMade(item=TELECONSULT_SLOT, reference="S1", occurred_at=p.now, actor="system")])
    assert p.state.bookings == ()


def test_travel_bookings_are_held_until_cancelled() -> None:
    p = Pathway().to_travel()
    p.apply([ev.BookingMade(item="flight", reference="F1", occurred_at=p.now, actor="system")])
    assert [b.reference for b in p.state.bookings] == ["F1"]
    p.apply([ev.BookingCancelled(item="flight", reference="F1", occurred_at=p.now, actor="system")])
    assert p.state.bookings == ()
