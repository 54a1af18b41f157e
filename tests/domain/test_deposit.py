"""The deposit gate, the interpreter rule and the patient's templated messages (journeys with a language)."""

from __future__ import annotations

from decimal import Decimal

from domain import deposit, timers
from domain import events as ev
from domain.effects import Book, Effect, Notify, effects_of
from domain.stages import Severity, Stage
from domain.view import view
from tests.helpers.pathway import Pathway, kinds


def effects(p: Pathway, events: list[ev.Event]) -> list[Effect]:
    """What the workflow would call for these (already applied) events."""
    return [e for event in events for e in deposit.effects(p.state, event, 0, effects_of(event, 0))]


def booked(p: Pathway, events: list[ev.Event]) -> list[str]:
    return [e.item for e in effects(p, events) if isinstance(e, Book)]


def test_entering_travel_with_the_deposit_unpaid_books_nothing_and_awaits_the_deposit() -> None:
    p = Pathway(language="ru").to_estimate()
    events = p.report("estimate_accepted")
    assert booked(p, events) == [] and view(p.state).awaiting_deposit
    # 95,000 estimate x 0.30 deposit
    assert deposit.deposit_required(p.state) == Decimal("28500.00")


def test_the_interpreter_is_booked_only_when_needed() -> None:
    p = Pathway(language="zh-CN", interpreter_needed=True).to_estimate()
    assert booked(p, p.report("estimate_accepted")) == ["interpreter"]


def test_the_deposit_paid_in_rmb_releases_flights_and_accommodation() -> None:
    p = Pathway(language="en").to_travel()
    events = p.report("payment_received", amount="205200.00", currency="RMB", reference="WIRE-77")  # = USD 28,500
    assert kinds(events) == ["payment_received", "travel_released"]
    assert booked(p, events) == ["flight", "accommodation"] and not view(p.state).awaiting_deposit


def test_a_part_payment_keeps_the_gate_closed() -> None:
    p = Pathway(language="en").to_travel()
    assert kinds(p.report("payment_received", amount="10000.00", currency="USD")) == ["payment_received"]
    assert view(p.state).awaiting_deposit


def test_a_deposit_paid_before_acceptance_books_travel_at_once() -> None:
    p = Pathway(language="en").to_estimate()
    p.report("payment_received", amount="28500.00", currency="USD")
    events = p.report("estimate_accepted")
    assert "travel_released" in kinds(events) and booked(p, events) == ["flight", "accommodation"]


def test_ops_may_override_the_gate_with_a_reason() -> None:
    p = Pathway(language="en").to_travel()
    events = p.report("deposit_overridden", reason="charity guarantee letter received")
    assert booked(p, events) == ["flight", "accommodation"]
    assert "charity guarantee" in events[-1].reason  # type: ignore[attr-defined]


def test_awaiting_deposit_reminds_the_patient_then_warns_ops() -> None:
    p = Pathway(language="ar").to_travel()
    names = [d.key.rsplit(".", 1)[-1] for d in timers.deadlines(p.state)]
    assert {"deposit_remind", "deposit_escalate"} <= set(names)
    before = len(p.events)
    p.later(8)
    fired = p.events[before:]
    reminder = next(e for e in fired if isinstance(e, ev.ReminderSent))
    [note] = effects(p, [reminder])
    assert isinstance(note, Notify) and note.template == "deposit_reminder" and note.audience == "patient"
    warning = next(e for e in fired if isinstance(e, ev.AlertRaised))
    assert warning.severity is Severity.WARNING and warning.code == "travel_deposit_escalate"


def test_admission_with_the_deposit_unpaid_is_recorded_and_alerts_ops() -> None:
    p = Pathway(language="en").to_travel()
    events = p.report("patient_admitted")
    assert p.state.stage is Stage.APHERESIS
    [alert] = [e for e in events if isinstance(e, ev.AlertRaised)]
    assert alert.code == "admitted_without_deposit" and alert.severity is Severity.WARNING


def test_journeys_without_a_language_keep_the_first_edition_behaviour() -> None:
    p = Pathway().to_estimate()
    events = p.report("estimate_accepted")
    assert booked(p, events) == ["flight", "accommodation", "interpreter"]
    assert not view(p.state).awaiting_deposit
    assert not [e for e in p.report("patient_admitted") if isinstance(e, ev.AlertRaised)]


def test_booking_confirmations_and_the_estimate_reach_the_patient_as_templates() -> None:
    p = Pathway(language="zh-CN").to_screening()
    decided = p.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=100000)
    [estimate] = [e for e in effects(p, decided) if isinstance(e, Notify)]
    assert estimate.template == "estimate_ready"
    assert estimate.params["estimate_rmb"].amount == Decimal("720000.00")  # type: ignore[union-attr]
    made = p.apply([ev.BookingMade(item="flight", reference="PKU-FLI-1", occurred_at=p.now, actor=ev.SYSTEM)])
    [note] = effects(p, made)
    assert isinstance(note, Notify) and note.template == "flight_booked"


def test_charges_are_accepted_from_the_centre_in_any_open_stage() -> None:
    p = Pathway(language="en").to_manufacturing()
    assert kinds(p.report("charge_posted", item="apheresis", amount="86400.00", currency="CNY")) == ["charge_posted"]
