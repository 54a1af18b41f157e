"""Who may do what, idempotent resubmission, withdrawal and alert acknowledgement."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import rules
from domain.actors import Actor
from domain.errors import (
    DuplicateMilestone,
    InvalidMilestone,
    JourneyEnded,
    JourneyRuleError,
    NoOpenAlert,
    NotPermitted,
    OccurredAtOutOfRange,
    refusal_classes,
)
from domain.stages import Outcome, Stage
from tests.helpers.pathway import OPS, Pathway, kinds


def test_resubmitting_an_accepted_milestone_produces_no_events() -> None:
    p = Pathway()
    m = p.milestone("records_received", milestone_id="rec-1", documents=["ct"])
    p.apply(p.decide(m))
    before = p.state
    assert p.decide(m) == []
    assert p.state == before


def test_a_milestone_id_reused_with_a_different_body_is_refused() -> None:
    p = Pathway()
    p.report("records_received", milestone_id="rec-1", documents=["ct"])
    err = p.refuse("records_received", milestone_id="rec-1", documents=["mri"])
    assert isinstance(err, DuplicateMilestone) and err.code == "duplicate_milestone"
    assert "rec-1" in err.reason


def test_a_resubmission_after_the_journey_ended_still_gets_the_same_answer() -> None:
    p = Pathway().to_teleconsult()
    m = p.milestone("teleconsult_completed", milestone_id="tc-1", outcome="not_candidate")
    p.apply(p.decide(m))
    assert p.state.ended and p.decide(m) == []


def test_another_centre_may_not_report_for_this_patient() -> None:
    p = Pathway(centre="pku")
    err = p.refuse("records_received", actor="centre:fuda")
    assert isinstance(err, NotPermitted) and "fuda" in err.reason


def test_another_centre_cannot_replay_a_known_milestone_to_read_the_journey() -> None:
    p = Pathway(centre="pku")
    m = p.milestone("records_received", milestone_id="rec-1")
    p.apply(p.decide(m))
    with pytest.raises(NotPermitted):
        rules.decide(p.state, m, Actor.parse("centre:fuda"), p.now)


@pytest.mark.parametrize(
    "kind,fields",
    [
        ("teleconsult_completed", {"outcome": "proceed"}),
        ("apheresis_completed", {"coi": "COI-1"}),
        ("monitoring_reported", {"crs_grade": 1, "icans_grade": 0}),
        ("death_reported", {"cause": "x"}),
    ],
)
def test_ops_may_not_report_clinical_milestones(kind, fields) -> None:
    p = Pathway()
    err = p.refuse(kind, actor=OPS, **fields)
    assert isinstance(err, NotPermitted) and "treating centre" in err.reason


def test_a_centre_may_not_accept_the_estimate() -> None:
    p = Pathway().to_estimate()
    err = p.refuse("estimate_accepted", actor="centre:pku")
    assert isinstance(err, NotPermitted) and "operations" in err.reason


@pytest.mark.parametrize("kind", ["records_received", "patient_admitted"])
def test_records_and_admission_may_come_from_ops_or_the_centre(kind) -> None:
    for actor in (OPS, "centre:pku"):
        p = Pathway()
        if kind == "patient_admitted":
            p.to_travel()
        p.report(kind, actor=actor)


@pytest.mark.parametrize("actor", ["system", "manager:bob"])
def test_an_actor_who_is_neither_ops_nor_a_centre_may_not_report(actor) -> None:
    assert isinstance(Pathway().refuse("records_received", actor=actor), NotPermitted)


@pytest.mark.parametrize("text", ["anonymous", "", "centre", "centre:", "ops:bad user", "centre:pku:a:b"])
def test_an_actor_that_does_not_parse_is_refused_at_the_edge(text) -> None:
    with pytest.raises(ValueError):
        Actor.parse(text)


@pytest.mark.parametrize("text", ["ops:tok-1a2b3c4d", "centre:pku", "centre:pku:dr-li", "manager:tok-9", "system"])
def test_an_actor_reads_back_as_the_string_the_event_log_holds(text) -> None:
    assert str(Actor.parse(text)) == text
    assert Actor.parse(text).model_dump() == text


def test_a_milestone_dated_in_the_future_is_refused() -> None:
    p = Pathway()
    m = p.milestone("records_received").model_copy(update={"occurred_at": p.now + timedelta(hours=1)})
    with pytest.raises(OccurredAtOutOfRange, match="future"):
        p.decide(m)


def test_a_little_clock_skew_from_a_centre_is_tolerated() -> None:
    p = Pathway()
    m = p.milestone("records_received").model_copy(update={"occurred_at": p.now + timedelta(minutes=5)})
    assert kinds(p.decide(m)) == ["records_received", "stage_entered"]


def test_no_milestone_is_accepted_after_the_journey_ended() -> None:
    p = Pathway().to_stay()
    p.report("death_reported", cause="x")
    err = p.refuse("monitoring_reported", crs_grade=0, icans_grade=0)
    assert isinstance(err, JourneyEnded) and "deceased" in err.reason


WALKS = [
    lambda p: p,
    Pathway.to_teleconsult,
    Pathway.to_screening,
    Pathway.to_estimate,
    Pathway.to_travel,
    Pathway.to_apheresis,
    Pathway.to_manufacturing,
    Pathway.to_infusion,
    Pathway.to_stay,
    Pathway.to_follow_up,
]


@pytest.mark.parametrize("walk", WALKS)
def test_ops_may_withdraw_from_every_stage_that_has_not_ended(walk) -> None:
    p = Pathway()
    walk(p)
    events = p.withdraw("patient chose treatment at home")
    assert kinds(events) == ["journey_withdrawn", "journey_ended"]
    assert p.state.outcome is Outcome.WITHDRAWN and p.state.stage is Stage.ENDED
    assert p.state.end_reason == "patient chose treatment at home"


def test_an_ended_journey_cannot_be_withdrawn() -> None:
    p = Pathway()
    p.withdraw()
    with pytest.raises(JourneyEnded, match="withdrawn"):
        p.withdraw()


def test_only_ops_may_withdraw_and_only_with_a_reason() -> None:
    p = Pathway()
    with pytest.raises(NotPermitted):
        rules.withdraw(p.state, "x", Actor.parse("centre:pku"), p.now)
    with pytest.raises(InvalidMilestone, match="reason"):
        rules.withdraw(p.state, "   ", OPS, p.now)


def test_ops_acknowledge_an_open_alert_and_it_closes() -> None:
    p = Pathway().later(15)  # records escalation: A1
    assert [a.alert_id for a in p.state.open_alerts] == ["A1"]
    events = p.apply(rules.acknowledge(p.state, "A1", "called the patient", OPS, p.now))
    assert kinds(events) == ["alert_acknowledged"]
    assert p.state.open_alerts == () and p.state.alert_count == 1


def test_acknowledging_an_unknown_alert_or_as_a_centre_is_refused() -> None:
    p = Pathway().later(15)
    with pytest.raises(NoOpenAlert, match="A9"):
        rules.acknowledge(p.state, "A9", "", OPS, p.now)
    with pytest.raises(NotPermitted):
        rules.acknowledge(p.state, "A1", "", Actor.parse("centre:pku"), p.now)


def test_every_refusal_carries_a_stable_code_and_a_reason() -> None:
    import domain.custody  # noqa: F401 - its refusals are part of the family wherever it is loaded

    classes = [c for c in refusal_classes() if c is not JourneyRuleError]
    codes = [cls.code for cls in classes if "code" in vars(cls)]
    assert len(codes) == len(set(codes)), "two refusals share a code"
    assert {cls.category for cls in classes} <= {"conflict", "forbidden", "invalid", "not_found"}
    assert set(codes) >= {
        "custody_gap",
        "quality_hold",
        "wrong_stage",
        "out_of_sequence",
        "already_decided",
        "reapheresis_limit",
        "no_open_alert",
        "occurred_at_out_of_range",
        "journey_ended",
        "coi_mismatch",
        "minimum_stay",
        "duplicate_milestone",
        "not_permitted",
        "invalid_milestone",
    }
