"""Follow-up visits: in order, PD ends as relapsed, the last visit completes the journey."""

from __future__ import annotations

import pytest

from domain.errors import OutOfSequence
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Stage
from tests.helpers.pathway import Pathway, kinds


def at_visit(p: Pathway, day: int) -> Pathway:
    assert p.state.infused_at is not None
    p.now = p.state.infused_at + p.policy.days(day)
    return p


def test_visits_must_come_in_the_policy_order() -> None:
    p = Pathway().to_follow_up()
    err = p.refuse("follow_up_recorded", visit_day=90, response="CR")
    assert isinstance(err, OutOfSequence) and err.code == "out_of_sequence" and "day 30" in err.reason
    p.report("follow_up_recorded", visit_day=30, response="CR")
    assert isinstance(p.refuse("follow_up_recorded", visit_day=30, response="CR"), OutOfSequence)
    p.report("follow_up_recorded", visit_day=90, response="PR")
    assert p.state.follow_ups == {30: "CR", 90: "PR"}


def test_a_visit_day_outside_the_schedule_is_refused() -> None:
    p = Pathway().to_follow_up()
    assert isinstance(p.refuse("follow_up_recorded", visit_day=45, response="CR"), OutOfSequence)


@pytest.mark.parametrize("response", ["CR", "PR", "SD"])
def test_a_visit_without_progression_keeps_following_up(response) -> None:
    p = Pathway().to_follow_up()
    events = p.report("follow_up_recorded", visit_day=30, response=response)
    assert kinds(events) == ["follow_up_recorded"]
    assert p.state.stage is Stage.FOLLOW_UP and p.state.next_visit_day() == 90


def test_progressive_disease_ends_the_journey_as_relapsed() -> None:
    p = Pathway().to_follow_up()
    p.report("follow_up_recorded", visit_day=30, response="CR")
    events = p.report("follow_up_recorded", visit_day=90, response="PD")
    assert kinds(events) == ["follow_up_recorded", "journey_ended"]
    assert p.state.outcome is Outcome.RELAPSED and "day 90" in (p.state.end_reason or "")


def test_the_last_visit_completes_the_journey_with_a_surveillance_hand_off() -> None:
    p = Pathway().to_follow_up()
    for day in (30, 90, 180):
        at_visit(p, day).report("follow_up_recorded", visit_day=day, response="CR")
    events = at_visit(p, 365).report("follow_up_recorded", visit_day=365, response="CR")
    assert kinds(events) == ["follow_up_recorded", "journey_ended"]
    assert p.state.outcome is Outcome.COMPLETED
    assert "surveillance" in (p.state.end_reason or "")
    assert p.state.follow_ups == {30: "CR", 90: "CR", 180: "CR", 365: "CR"}


def test_progression_at_the_last_visit_is_relapse_not_completion() -> None:
    p = Pathway(PathwayPolicy(follow_up_visit_days=(30,))).to_follow_up()
    p.report("follow_up_recorded", visit_day=30, response="PD")
    assert p.state.outcome is Outcome.RELAPSED


def test_a_shorter_schedule_from_the_policy_completes_after_its_own_last_visit() -> None:
    p = Pathway(PathwayPolicy(follow_up_visit_days=(28, 180))).to_follow_up()
    p.report("follow_up_recorded", visit_day=28, response="CR")
    p.report("follow_up_recorded", visit_day=180, response="SD")
    assert p.state.outcome is Outcome.COMPLETED


def test_recording_a_visit_clears_the_overdue_flag() -> None:
    p = Pathway().to_follow_up()
    p.later(40)  # day 30 + 14 days of grace have passed: missed
    assert p.state.overdue
    p.report("follow_up_recorded", visit_day=30, response="CR")
    assert not p.state.overdue
