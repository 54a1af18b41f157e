"""Chain of identity, minimum stay, toxicity grades, adverse events and deaths."""

from __future__ import annotations

import pytest

from domain import events as ev
from domain.errors import CoiMismatch, MinimumStayNotReached, WrongStage
from domain.stages import Outcome, Severity, Stage
from tests.helpers.pathway import COI, Pathway, alerts, kinds


@pytest.mark.parametrize(
    ("walk", "kind", "fields"),
    [
        (Pathway.to_manufacturing, "product_released", {"lot": "LOT-9"}),
        (Pathway.to_infusion, "infusion_completed", {}),
    ],
)
def test_a_coi_mismatch_is_refused_with_a_critical_alert_to_record(walk, kind, fields) -> None:
    p = Pathway()
    walk(p)
    stage = p.state.stage
    err = p.refuse(kind, coi="COI-WRONG", **fields)
    assert isinstance(err, CoiMismatch) and err.code == "coi_mismatch"
    assert "COI-WRONG" in err.reason and COI in err.reason
    [alert] = err.events
    assert isinstance(alert, ev.AlertRaised)
    assert alert.severity is Severity.CRITICAL and alert.code == "coi_mismatch"
    assert alert.alert_id == "A1" and alert.alert_id in err.reason
    # The refusal itself changes nothing; recording the alert leaves the stage as it was.
    p.apply(list(err.events))
    assert p.state.stage is stage and p.state.open_alerts[0].severity is Severity.CRITICAL


def test_a_repeated_coi_mismatch_raises_a_new_numbered_alert_each_time() -> None:
    p = Pathway().to_infusion()
    p.apply(list(p.refuse("infusion_completed", coi="COI-BAD").events))
    second = p.refuse("infusion_completed", coi="COI-BAD")
    assert second.events[0].alert_id == "A2"  # type: ignore[attr-defined]


def test_the_matching_coi_is_accepted_after_a_mismatch() -> None:
    p = Pathway().to_infusion()
    p.apply(list(p.refuse("infusion_completed", coi="COI-BAD").events))
    p.report("infusion_completed", coi=COI)
    assert p.state.stage is Stage.STAY


def test_discharge_before_the_minimum_stay_is_refused() -> None:
    p = Pathway().to_stay().later(5)
    err = p.refuse("discharged")
    assert isinstance(err, MinimumStayNotReached) and err.code == "minimum_stay"
    assert "day 5" in err.reason and "override_reason" in err.reason


def test_early_discharge_with_an_override_reason_is_accepted_with_a_warning() -> None:
    p = Pathway().to_stay().later(10)
    events = p.report("discharged", override_reason="stable; outpatient monitoring near centre")
    assert kinds(events) == ["discharged", "alert_raised", "stage_entered"]
    [alert] = alerts(events)
    assert alert.severity is Severity.WARNING and alert.code == "early_discharge"
    assert "outpatient monitoring" in alert.message
    assert p.state.stage is Stage.FOLLOW_UP


def test_an_override_reason_on_a_discharge_that_is_not_early_raises_no_alert() -> None:
    p = Pathway().to_stay().later(20)
    events = p.report("discharged", override_reason="not needed")
    assert kinds(events) == ["discharged", "stage_entered"]


def test_discharge_exactly_on_the_minimum_day_is_accepted() -> None:
    p = Pathway().to_stay().later(14)
    p.report("discharged")
    assert p.state.stage is Stage.FOLLOW_UP


@pytest.mark.parametrize(
    ("crs", "icans", "codes"),
    [
        (3, 0, ["crs_grade_3"]),
        (4, 0, ["crs_grade_4"]),
        (0, 3, ["icans_grade_3"]),
        (3, 4, ["crs_grade_3", "icans_grade_4"]),
    ],
)
def test_grade_three_or_more_escalates_as_a_high_alert(crs, icans, codes) -> None:
    p = Pathway().to_stay()
    events = p.report("monitoring_reported", crs_grade=crs, icans_grade=icans)
    raised = alerts(events)
    assert [a.code for a in raised] == codes
    assert all(a.severity is Severity.HIGH for a in raised)


def test_grade_two_is_recorded_without_an_alert() -> None:
    p = Pathway().to_stay()
    events = p.report("monitoring_reported", crs_grade=2, icans_grade=2)
    assert kinds(events) == ["monitoring_reported"]


@pytest.mark.parametrize(
    "walk",
    [
        Pathway.to_manufacturing,
        Pathway.to_infusion,
        Pathway.to_stay,
        Pathway.to_follow_up,
    ],
)
def test_adverse_events_are_accepted_in_every_stage_after_apheresis(walk) -> None:
    p = Pathway()
    walk(p)
    stage = p.state.stage
    events = p.report("adverse_event_reported", term="febrile neutropenia", grade=2)
    assert kinds(events) == ["adverse_event_reported"]
    assert p.state.stage is stage


@pytest.mark.parametrize(
    "walk",
    [
        lambda p: p,
        Pathway.to_teleconsult,
        Pathway.to_screening,
        Pathway.to_travel,
        Pathway.to_apheresis,
    ],
)
def test_adverse_events_and_deaths_before_apheresis_are_refused(walk) -> None:
    p = Pathway()
    walk(p)
    for kind, fields in (
        ("adverse_event_reported", {"term": "rash", "grade": 1}),
        ("death_reported", {"cause": "sepsis"}),
    ):
        err = p.refuse(kind, **fields)
        assert isinstance(err, WrongStage) and "manufacturing" in err.reason


def test_a_severe_adverse_event_escalates() -> None:
    p = Pathway().to_stay()
    [alert] = alerts(p.report("adverse_event_reported", term="HLH", grade=4))
    assert alert.code == "adverse_event" and alert.severity is Severity.HIGH


@pytest.mark.parametrize("walk", [Pathway.to_manufacturing, Pathway.to_stay, Pathway.to_follow_up])
def test_a_reported_death_ends_the_journey_as_deceased(walk) -> None:
    p = Pathway()
    walk(p)
    events = p.report("death_reported", cause="refractory CRS")
    assert kinds(events) == ["death_reported", "journey_ended"]
    assert p.state.outcome is Outcome.DECEASED and p.state.end_reason == "refractory CRS"
