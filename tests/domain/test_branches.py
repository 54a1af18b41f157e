"""Branches and loop-backs: teleconsult outcomes, eligibility, estimate, manufacturing failures."""

from __future__ import annotations

from domain import timers
from domain.errors import CoiMismatch, OutOfSequence, ReapheresisLimit
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage
from tests.helpers.pathway import COI, Pathway, alerts, kinds


def test_more_records_loops_back_to_records() -> None:
    p = Pathway().to_teleconsult()
    events = p.report("teleconsult_completed", outcome="more_records")
    assert kinds(events) == ["teleconsult_completed", "stage_entered"]
    assert p.state.stage is Stage.RECORDS
    assert [v.stage for v in p.state.stages] == [Stage.RECORDS, Stage.TELECONSULT, Stage.RECORDS]


def test_the_loop_back_restarts_the_records_timers_under_new_keys() -> None:
    p = Pathway()
    first = {d.key for d in timers.deadlines(p.state)}
    p.later(8)  # the first visit's reminder fires
    p.to_teleconsult().report("teleconsult_completed", outcome="more_records")
    second = timers.deadlines(p.state)
    assert {d.key for d in second}.isdisjoint(first)
    assert {d.action for d in second} == {"remind", "escalate", "lapse"}
    # Counted from the new entry into records, not from the journey's start.
    assert min(d.due_at for d in second) == p.now + p.policy.days(7)


def test_the_second_records_visit_sends_its_own_reminder() -> None:
    p = Pathway().later(8)
    p.to_teleconsult().report("teleconsult_completed", outcome="more_records")
    p.later(8)
    reminders = [e for e in p.events if e.kind == "reminder_sent"]
    assert len(reminders) == 2
    assert reminders[0].deadline != reminders[1].deadline


def test_not_a_candidate_at_teleconsult_ends_the_journey_as_ineligible() -> None:
    p = Pathway().to_teleconsult()
    events = p.report("teleconsult_completed", outcome="not_candidate")
    assert kinds(events) == ["teleconsult_completed", "journey_ended"]
    assert p.state.stage is Stage.ENDED and p.state.outcome is Outcome.INELIGIBLE


def test_ineligible_at_screening_ends_the_journey_with_the_centres_reasons() -> None:
    p = Pathway().to_screening()
    p.report("eligibility_decided", eligible=False, reasons=["ECOG 3", "active CNS disease"])
    assert p.state.outcome is Outcome.INELIGIBLE
    assert p.state.end_reason == "ECOG 3; active CNS disease"


def test_ineligible_without_reasons_still_says_why_it_ended() -> None:
    p = Pathway().to_screening()
    p.report("eligibility_decided", eligible=False)
    assert p.state.end_reason == "not eligible at screening"


def test_the_estimate_cannot_be_accepted_before_eligibility_is_decided() -> None:
    p = Pathway().to_screening()
    err = p.refuse("estimate_accepted")
    assert isinstance(err, OutOfSequence) and "eligible" in err.reason


def test_the_estimate_accepted_moves_the_journey_to_travel() -> None:
    p = Pathway().to_estimate()
    p.report("estimate_accepted")
    assert p.state.stage is Stage.TRAVEL


def test_a_manufacturing_failure_may_go_back_to_apheresis_once() -> None:
    p = Pathway().to_manufacturing().later(10)
    events = p.report("manufacturing_failed", reason="low viability", next="reapheresis")
    assert kinds(events) == ["manufacturing_failed", "alert_raised", "stage_entered"]
    [alert] = alerts(events)
    assert alert.severity is Severity.HIGH and alert.code == "manufacturing_failed"
    assert p.state.stage is Stage.APHERESIS and p.state.reapheresis_count == 1


def test_re_apheresis_must_carry_the_same_chain_of_identity() -> None:
    p = Pathway().to_manufacturing()
    p.report("manufacturing_failed", reason="contaminated", next="reapheresis")
    err = p.refuse("apheresis_completed", coi="COI-OTHER")
    assert isinstance(err, CoiMismatch)
    p.report("apheresis_completed", coi=COI)
    assert p.state.stage is Stage.MANUFACTURING


def test_a_second_re_apheresis_is_refused_with_what_to_do_instead() -> None:
    p = Pathway().to_manufacturing()
    p.report("manufacturing_failed", reason="contaminated", next="reapheresis")
    p.report("apheresis_completed", coi=COI)
    err = p.refuse("manufacturing_failed", reason="again", next="reapheresis")
    assert isinstance(err, ReapheresisLimit) and err.code == "reapheresis_limit"
    assert "1 of 1" in err.reason and "next=stop" in err.reason


def test_stop_after_the_second_failure_ends_as_manufacturing_failed() -> None:
    p = Pathway().to_manufacturing()
    p.report("manufacturing_failed", reason="contaminated", next="reapheresis")
    p.report("apheresis_completed", coi=COI)
    events = p.report("manufacturing_failed", reason="no expansion", next="stop")
    assert kinds(events) == ["manufacturing_failed", "journey_ended"]
    assert p.state.outcome is Outcome.MANUFACTURING_FAILED
    assert p.state.end_reason == "no expansion"


def test_a_policy_without_re_apheresis_refuses_it_at_the_first_failure() -> None:
    p = Pathway(PathwayPolicy(max_reapheresis=0)).to_manufacturing()
    assert isinstance(p.refuse("manufacturing_failed", reason="x", next="reapheresis"), ReapheresisLimit)


def test_out_of_spec_keeps_manufacturing_waiting_for_the_release() -> None:
    p = Pathway().to_manufacturing()
    events = p.report("manufacturing_failed", reason="CAR expression 12%", next="out_of_spec")
    assert kinds(events) == ["manufacturing_failed", "alert_raised"]
    assert alerts(events)[0].code == "manufacturing_out_of_spec"
    assert p.state.stage is Stage.MANUFACTURING and p.state.out_of_spec


def test_an_out_of_spec_release_raises_a_warning_before_infusion() -> None:
    p = Pathway().to_manufacturing()
    p.report("manufacturing_failed", reason="CAR expression 12%", next="out_of_spec")
    events = p.report("product_released", coi=COI, lot="LOT-OOS")
    assert kinds(events) == ["product_released", "alert_raised", "stage_entered"]
    [alert] = alerts(events)
    assert alert.severity is Severity.WARNING and alert.code == "out_of_spec_release"
    assert "LOT-OOS" in alert.message
    assert p.state.stage is Stage.INFUSION


def test_a_release_within_specification_raises_no_alert() -> None:
    p = Pathway().to_manufacturing()
    assert alerts(p.report("product_released", coi=COI, lot="LOT-1")) == []


def test_alerts_are_numbered_in_order_across_commands_and_timers() -> None:
    p = Pathway().to_manufacturing()
    p.report("manufacturing_failed", reason="a", next="out_of_spec")
    p.later(29)  # manufacturing warning
    p.report("product_released", coi=COI, lot="L")
    ids = [a.alert_id for a in alerts(p.events)]
    assert ids == ["A1", "A2", "A3"]
    assert p.state.alert_count == 3
