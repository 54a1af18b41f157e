"""The FHIR export: a valid R4 (R4B models) Bundle for a journey in every stage and every outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from domain import events as ev
from domain import surveillance_rules as sr
from domain.actors import Actor
from domain.events import EventRecord, to_record
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Stage
from domain.surveillance import SurveillanceCheck
from interop.fhir import NotAJourney, journey_bundle
from tests.helpers.pathway import COI, Pathway
from tests.helpers.surveillance import clock, under_surveillance


def records(p: Pathway) -> list[EventRecord]:
    return [to_record(e, seq) for seq, e in enumerate(p.events, start=1)]


def book(p: Pathway, *items: str) -> Pathway:
    p.apply([ev.BookingMade(item=i, reference=f"BK-{i}", occurred_at=p.now, actor="system") for i in items])
    return p


def with_bookings(p: Pathway) -> Pathway:
    book(p.to_teleconsult(), "teleconsult_slot")
    p.report("teleconsult_completed", outcome="proceed")
    p.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=95_000)
    p.report("estimate_accepted")
    return book(p, "flight", "accommodation", "interpreter")


def of_type(bundle: Bundle, name: str) -> list[Any]:
    """The bundle's resources of one type (typed Any: fhir.resources types entries as Resource)."""
    return [e.resource for e in bundle.entry or [] if e.resource is not None and e.resource.get_resource_type() == name]


def exported(p: Pathway) -> tuple[Bundle, Counter[str]]:
    bundle = journey_bundle(records(p), as_of=p.now)
    # Validate the wire form, as a partner's system would receive it.
    again = Bundle.model_validate_json(bundle.model_dump_json())
    counts = Counter(e.resource.get_resource_type() for e in again.entry or [] if e.resource is not None)
    return again, counts


def completed() -> Pathway:
    p = with_bookings(Pathway())
    p.report("patient_admitted")
    p.report("apheresis_completed", coi=COI)
    p.later(18).report("product_released", coi=COI, lot="LOT-1")
    p.report("infusion_completed", coi=COI)
    for day in range(1, 15):
        p.later(1).report("monitoring_reported", crs_grade=min(day, 3) if day < 5 else 0, icans_grade=0)
    p.report("adverse_event_reported", term="neutropenia", grade=3)
    p.report("discharged")
    infused = p.state.infused_at
    assert infused is not None
    for day in p.policy.follow_up_visit_days:
        p.now = infused + p.policy.days(day)
        p.report("follow_up_recorded", visit_day=day, response="CR")
    return p


STAGES: dict[Stage, Callable[[], Pathway]] = {
    Stage.RECORDS: lambda: Pathway(),
    Stage.TELECONSULT: lambda: Pathway().to_teleconsult(),
    Stage.SCREENING: lambda: Pathway().to_screening(),
    Stage.TRAVEL: lambda: with_bookings(Pathway()),
    Stage.APHERESIS: lambda: Pathway().to_apheresis(),
    Stage.MANUFACTURING: lambda: Pathway().to_manufacturing(),
    Stage.INFUSION: lambda: Pathway().to_infusion(),
    Stage.STAY: lambda: Pathway().to_stay(),
    Stage.FOLLOW_UP: lambda: Pathway().to_follow_up(),
    Stage.ENDED: completed,
}


def _relapsed() -> Pathway:
    p = Pathway().to_follow_up()
    assert p.state.infused_at
    p.now = p.state.infused_at + p.policy.days(30)
    p.report("follow_up_recorded", visit_day=30, response="PD")
    return p


OUTCOMES: dict[str, Callable[[], Pathway]] = {
    "completed": completed,
    "ineligible": lambda: _ineligible(),
    "lapsed": lambda: Pathway().later(31),
    "withdrawn": lambda: _withdrawn(),
    "manufacturing_failed": lambda: _stopped(),
    "relapsed": _relapsed,
    "deceased": lambda: _deceased(),
    "lost_to_follow_up": lambda: _lost(),
}


def _lost() -> Pathway:
    """The clinical second edition: the last visit window passes with nothing recorded."""
    p = Pathway(PathwayPolicy(), edition=2, catalogue={"axi-cel": PathwayPolicy()}).to_stay()
    assert p.state.infused_at
    p.later((p.state.infused_at + p.policy.days(14) - p.now) / p.policy.days(1))
    p.report("monitoring_reported", crs_grade=0, icans_grade=0)
    p.report("discharged")
    return p.later(365 + 14 + 2)


def _ineligible() -> Pathway:
    p = Pathway().to_screening()
    p.report("eligibility_decided", eligible=False, reasons=["organ function"])
    return p


def _withdrawn() -> Pathway:
    p = with_bookings(Pathway())
    p.withdraw()
    # What the workflow's compensation records: the unused travel bookings, newest first.
    p.apply(
        [
            ev.BookingCancelled(item=i, reference=f"BK-{i}", occurred_at=p.now, actor="system")
            for i in ("interpreter", "accommodation", "flight")
        ]
    )
    return p


def _stopped() -> Pathway:
    p = Pathway().to_manufacturing()
    p.report("manufacturing_failed", reason="no expansion", next="stop")
    return p


def _deceased() -> Pathway:
    p = Pathway().to_stay()
    p.report("adverse_event_reported", term="ICANS", grade=5)
    p.report("death_reported", cause="neurotoxicity")
    return p


@pytest.mark.parametrize("stage", list(STAGES), ids=str)
def test_a_journey_in_every_stage_exports_a_valid_bundle(stage: Stage) -> None:
    p = STAGES[stage]()
    assert p.state.stage is stage
    bundle, counts = exported(p)
    assert bundle.type == "collection"
    assert counts["CarePlan"] == 1
    care_plan = of_type(bundle, "CarePlan")[0]
    assert len(care_plan.activity) == 9
    current = [a.detail for a in care_plan.activity if a.detail.status == "in-progress"]
    if stage is Stage.ENDED:
        assert care_plan.status == "completed" and not current
    else:
        assert care_plan.status == "active"
        assert [a.code.coding[0].code for a in current] == [stage.value]


# A new outcome without a scenario here fails loudly (KeyError) rather than going untested.
@pytest.mark.parametrize("outcome", [o.value for o in Outcome])
def test_a_journey_with_every_outcome_exports_a_valid_bundle(outcome: str) -> None:
    p = OUTCOMES[outcome]()
    assert p.state.outcome == outcome
    bundle, _ = exported(p)
    care_plan = of_type(bundle, "CarePlan")[0]
    assert care_plan.status == ("completed" if outcome == "completed" else "revoked")
    assert outcome in care_plan.note[0].text


def test_a_completed_journey_has_a_task_per_milestone_and_a_resource_per_fact() -> None:
    p = completed()
    _, counts = exported(p)
    milestones = sum(isinstance(e, ev.MilestoneAccepted) for e in p.events)
    assert counts["Task"] == milestones
    assert counts["Observation"] == 2 * 14 + 4  # CRS and ICANS per report, disease status per visit
    assert counts["AdverseEvent"] == 1
    assert counts["Appointment"] == 4 + 4  # four bookings, four follow-up visits


def test_the_patient_appears_only_as_the_opaque_journey_id() -> None:
    p = completed()
    bundle, _ = exported(p)
    text = bundle.model_dump_json()
    assert "ref-1" not in text  # the patient_ref the Pathway helper starts with
    assert p.state.journey_id in text


def test_grades_and_responses_carry_their_values_and_codes() -> None:
    bundle, _ = exported(completed())
    observations = of_type(bundle, "Observation")
    crs = [o.valueInteger for o in observations if o.code.coding[0].code == "crs-grade-astct"]
    assert max(crs) == 3
    responses = [o for o in observations if o.code.coding[0].system == "http://loinc.org"]
    assert {o.code.coding[0].code for o in responses} == {"97509-4"}
    assert {o.valueCodeableConcept.text for o in responses} == {"CR"}


def test_a_withdrawn_journey_shows_its_bookings_cancelled_and_its_stage_stopped() -> None:
    bundle, _ = exported(_withdrawn())
    statuses = Counter(a.status for a in of_type(bundle, "Appointment"))
    assert statuses == {"cancelled": 3, "fulfilled": 1}  # the teleconsult slot was used
    care_plan = of_type(bundle, "CarePlan")[0]
    assert [a.detail.code.coding[0].code for a in care_plan.activity if a.detail.status == "stopped"] == ["travel"]


def test_missed_visits_are_no_shows_and_pending_ones_booked() -> None:
    p = Pathway().to_follow_up()
    assert p.state.infused_at
    p.now = p.state.infused_at + p.policy.days(50)
    bundle, _ = exported(p)
    visits = {a.description: a.status for a in of_type(bundle, "Appointment")}
    assert visits["follow-up visit, day 30 after infusion"] == "noshow"
    assert visits["follow-up visit, day 365 after infusion"] == "booked"


def test_a_kind_this_version_does_not_know_still_becomes_a_task() -> None:
    p = Pathway().to_manufacturing()
    log = records(p)
    log.append(
        EventRecord(
            seq=len(log) + 1,
            kind="custody_transferred",
            actor="centre:pku",
            occurred_at=p.now + timedelta(hours=1),
            payload={"milestone_id": "c1", "coi": COI, "to_party": "courier", "nested": {"a": 1}},
        )
    )
    bundle = journey_bundle(log, as_of=p.now + timedelta(hours=2))
    tasks = of_type(bundle, "Task")
    assert tasks[-1].code.coding[0].code == "custody_transferred"
    assert {i.type.text for i in tasks[-1].input} == {"coi", "to_party"}


def test_the_same_log_always_gives_the_same_bundle() -> None:
    p = completed()
    assert journey_bundle(records(p), p.now).model_dump_json() == journey_bundle(records(p), p.now).model_dump_json()


def test_a_log_that_does_not_start_a_journey_is_refused() -> None:
    with pytest.raises(NotAJourney):
        journey_bundle(records(Pathway())[1:], as_of=Pathway().now)


def test_long_term_surveillance_is_a_care_plan_of_yearly_checks_with_their_observations() -> None:
    p, _ = under_surveillance("J-surv", missed=True)  # year 2 missed
    sv = p.state.surveillance
    assert sv is not None
    clock(p, sv.due(3))
    check = SurveillanceCheck(
        milestone_id="y3",
        occurred_at=p.now,
        year=3,
        alive=True,
        disease_status="relapsed",
        new_therapy="allogeneic transplant",
    )
    p.apply(sr.decide_check(p.state, check, Actor.parse("centre:pku"), p.now))
    bundle, counts = exported(p)
    plans = of_type(bundle, "CarePlan")
    assert counts["CarePlan"] == 2 and plans[1].partOf[0].reference == f"urn:uuid:{plans[0].id}"
    years = {a.detail.code.coding[0].code: a.detail.status for a in plans[1].activity}
    assert (years["year-2"], years["year-3"], years["year-4"], years["year-5"]) == (
        "cancelled",
        "completed",
        "scheduled",
        "not-started",
    )
    assert len(years) == 14
    check_task = [t for t in of_type(bundle, "Task") if t.code.coding[0].code == "surveillance_check_recorded"]
    assert len(check_task) == 1 and check_task[0].identifier[0].value == "y3"
    status = [
        o
        for o in of_type(bundle, "Observation")
        if o.code.coding[0].code == "97509-4" and o.valueCodeableConcept.text == "relapsed"
    ]
    assert status and status[0].valueCodeableConcept.coding[0].code == "271299001"


def test_a_death_in_surveillance_revokes_its_care_plan() -> None:
    p, _ = under_surveillance("J-surv", missed=False)
    check = SurveillanceCheck(milestone_id="d", occurred_at=p.now, alive=False, cause_of_death="sepsis")
    p.apply(sr.decide_check(p.state, check, Actor.parse("ops:followup"), p.now))
    bundle, _ = exported(p)
    plan = of_type(bundle, "CarePlan")[1]
    assert plan.status == "revoked" and {a.detail.status for a in plan.activity} == {"cancelled"}
    alive = [o.valueBoolean for o in of_type(bundle, "Observation") if o.code.coding[0].code == "alive"]
    assert alive == [False]
