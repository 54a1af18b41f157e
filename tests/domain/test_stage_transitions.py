"""Every forward step of the pathway, and the events each milestone produces."""

from __future__ import annotations

import pytest

from domain import events as ev
from domain.errors import AlreadyDecided, WrongStage
from domain.stages import PATHWAY, Outcome, Stage
from tests.helpers.pathway import COI, T0, Pathway, kinds


def test_a_new_journey_starts_in_records_with_sequence_one() -> None:
    p = Pathway()
    assert p.state.stage is Stage.RECORDS
    assert p.state.seq == 1 and p.state.stage_entry_seq == 1
    assert p.state.started_at == T0 and p.state.outcome is None
    assert [v.stage for v in p.state.stages] == [Stage.RECORDS]


def test_stage_names_are_spelled_as_the_api_spells_them() -> None:
    assert [s.value for s in PATHWAY] == [
        "records",
        "teleconsult",
        "screening",
        "travel",
        "apheresis",
        "manufacturing",
        "infusion",
        "stay",
        "follow_up",
        "ended",
    ]
    assert {o.value for o in Outcome} == {
        "completed",
        "ineligible",
        "lapsed",
        "withdrawn",
        "manufacturing_failed",
        "relapsed",
        "deceased",
        "lost_to_follow_up",
    }


@pytest.mark.parametrize(
    ("walk", "kind", "fields", "next_stage"),
    [
        (lambda p: p, "records_received", {}, Stage.TELECONSULT),
        (Pathway.to_teleconsult, "teleconsult_completed", {"outcome": "proceed"}, Stage.SCREENING),
        (Pathway.to_estimate, "estimate_accepted", {}, Stage.TRAVEL),
        (Pathway.to_travel, "patient_admitted", {"interpreter": True}, Stage.APHERESIS),
        (Pathway.to_apheresis, "apheresis_completed", {"coi": COI}, Stage.MANUFACTURING),
        (Pathway.to_manufacturing, "product_released", {"coi": COI, "lot": "L1"}, Stage.INFUSION),
        (Pathway.to_infusion, "infusion_completed", {"coi": COI}, Stage.STAY),
    ],
)
def test_each_milestone_records_itself_then_enters_the_next_stage(walk, kind, fields, next_stage) -> None:
    p = Pathway()
    walk(p)
    before = p.state.stage
    events = p.report(kind, **fields)
    assert kinds(events) == [kind, "stage_entered"]
    entered = events[-1]
    assert isinstance(entered, ev.StageEntered)
    assert entered.stage is next_stage and entered.previous is before
    assert p.state.stage is next_stage
    assert p.state.stage_entry_seq == p.state.seq


def test_eligibility_keeps_the_journey_in_screening_until_ops_accept_the_estimate() -> None:
    p = Pathway().to_screening()
    events = p.report("eligibility_decided", eligible=True, product="relma-cel", estimate_usd=120_000)
    assert kinds(events) == ["eligibility_decided"]
    assert p.state.stage is Stage.SCREENING
    assert p.state.eligible is True and p.state.estimate_usd == 120_000
    assert p.state.product == "relma-cel"


def test_eligibility_without_a_product_keeps_the_product_chosen_at_start() -> None:
    p = Pathway(product="cilta-cel").to_screening()
    p.report("eligibility_decided", eligible=True)
    assert p.state.product == "cilta-cel"


def test_eligibility_cannot_be_decided_twice() -> None:
    p = Pathway().to_estimate()
    err = p.refuse("eligibility_decided", eligible=False)
    assert isinstance(err, AlreadyDecided) and "already been decided" in err.reason


def test_apheresis_fixes_the_chain_of_identity_for_the_whole_journey() -> None:
    p = Pathway().to_manufacturing(coi="COI-XYZ-9")
    assert p.state.coi == "COI-XYZ-9"
    p.later(20).report("product_released", coi="COI-XYZ-9", lot="LOT-7")
    assert p.state.lot == "LOT-7"


def test_infusion_starts_the_stay_clock() -> None:
    p = Pathway().to_stay()
    assert p.state.infused_at == p.now
    assert p.state.stage is Stage.STAY


def test_monitoring_keeps_the_worst_grades_seen_and_stays_in_stay() -> None:
    p = Pathway().to_stay()
    p.report("monitoring_reported", crs_grade=2, icans_grade=1)
    p.report("monitoring_reported", crs_grade=1, icans_grade=2)
    assert (p.state.max_crs_grade, p.state.max_icans_grade) == (2, 2)
    assert p.state.stage is Stage.STAY


def test_discharge_after_the_minimum_stay_enters_follow_up_without_an_alert() -> None:
    p = Pathway().to_stay()
    events = p.later(15).report("discharged")
    assert kinds(events) == ["discharged", "stage_entered"]
    assert p.state.stage is Stage.FOLLOW_UP and p.state.discharged_at == p.now


def test_stage_visits_are_closed_as_the_journey_moves_on() -> None:
    p = Pathway().to_follow_up()
    stages = [v.stage for v in p.state.stages]
    assert stages == list(PATHWAY[:-1])
    assert all(v.left_at is not None for v in p.state.stages[:-1])
    assert p.state.stages[-1].left_at is None


@pytest.mark.parametrize(
    ("walk", "kind", "fields"),
    [
        (lambda p: p, "teleconsult_completed", {"outcome": "proceed"}),
        (lambda p: p, "apheresis_completed", {"coi": COI}),
        (Pathway.to_teleconsult, "records_received", {}),
        (Pathway.to_screening, "patient_admitted", {}),
        (Pathway.to_travel, "infusion_completed", {"coi": COI}),
        (Pathway.to_manufacturing, "discharged", {}),
        (Pathway.to_stay, "follow_up_recorded", {"visit_day": 30, "response": "CR"}),
        (Pathway.to_follow_up, "monitoring_reported", {"crs_grade": 0, "icans_grade": 0}),
    ],
)
def test_a_milestone_out_of_order_is_refused_naming_both_stages(walk, kind, fields) -> None:
    p = Pathway()
    walk(p)
    err = p.refuse(kind, **fields)
    assert isinstance(err, WrongStage)
    assert str(p.state.stage) in err.reason and "belongs to stage" in err.reason
