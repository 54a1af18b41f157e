"""Long-term surveillance, pure: hand-over, yearly checks, missed years, relapse and death."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from domain import events as ev
from domain import surveillance_rules as sr
from domain.actors import Actor
from domain.errors import DuplicateMilestone, InvalidMilestone, JourneyEnded, NotPermitted, WrongStage
from domain.stages import Outcome, Severity
from domain.surveillance import SurveillanceCheck, SurveillanceCheckRecorded, SurveillancePolicy
from tests.helpers.pathway import Pathway

POLICY = SurveillancePolicy()
CENTRE = "centre:pku"


def completed() -> Pathway:
    p = Pathway().to_follow_up()
    assert p.state.infused_at
    for day in p.policy.follow_up_visit_days:
        p.now = p.state.infused_at + p.policy.days(day)
        p.report("follow_up_recorded", visit_day=day, response="CR")
    assert p.state.outcome is Outcome.COMPLETED
    return p


class Surveillance:
    """A completed journey under surveillance, with a clock that fires what falls due."""

    def __init__(self, policy: SurveillancePolicy = POLICY) -> None:
        self.p = completed()
        assert sr.hands_over(self.p.state)
        self.p.apply(sr.handover(self.p.state, policy, self.p.now))
        self.ids = 0

    @property
    def sv(self) -> Any:
        return self.p.state.surveillance

    def until(self, when: datetime) -> Surveillance:
        while (due := sr.next_deadline(self.p.state)) is not None and due.due_at <= when:
            self.p.now = max(self.p.now, due.due_at)
            self.p.apply(sr.fire(self.p.state, due, self.p.now))
        self.p.now = max(self.p.now, when)
        return self

    def check(self, year: int | None = None, *, actor: str = CENTRE, **fields: Any) -> list[ev.Event]:
        self.ids += 1
        body = {
            "milestone_id": f"s{self.ids}",
            "occurred_at": self.p.now,
            "year": year,
            "alive": True,
            "disease_status": "remission",
            **fields,
        }
        check = SurveillanceCheck.model_validate(body)
        return self.p.apply(sr.decide_check(self.p.state, check, Actor.parse(actor), self.p.now))


def kinds(events: list[ev.Event]) -> list[str]:
    return [e.record_kind() for e in events]


def test_only_a_completed_journey_hands_over_and_only_once() -> None:
    p = Pathway().to_follow_up()
    assert not sr.hands_over(p.state)
    s = Surveillance()
    assert not sr.hands_over(s.p.state)
    # The 12-month visit covered year 1: checks run from year 2 to the horizon.
    assert s.sv.anchor == s.p.state.infused_at and s.sv.first_year == s.sv.next_year() == 2


def test_yearly_checks_to_year_fifteen_end_surveillance_at_the_horizon() -> None:
    s = Surveillance()
    for year in range(2, 16):
        s.until(s.sv.due(year))
        events = s.check(year)
    assert kinds(events) == ["surveillance_check_recorded", "surveillance_ended"]
    assert s.sv.end_reason == "horizon_reached" and len(s.sv.recorded) == 14
    reminders = [e for e in s.p.events if isinstance(e, ev.ReminderSent) and e.deadline.startswith("surv")]
    assert len(reminders) == 14 and all(r.audience == "centre" for r in reminders)
    assert sr.deadlines(s.p.state) == [] and not s.p.state.overdue


def test_a_missed_year_alerts_ops_marks_the_journey_overdue_and_the_next_year_still_counts() -> None:
    s = Surveillance()
    s.until(s.sv.due(2) + POLICY.days(POLICY.window_days + 1))
    assert s.sv.missed == (2,) and s.p.state.overdue
    alert = [a for a in s.p.state.open_alerts if a.code == "surveillance_check_missed"]
    assert alert and alert[0].severity is Severity.WARNING
    s.until(s.sv.due(3))
    s.check(3)
    assert not s.p.state.overdue and s.sv.recorded == {3: "remission"}
    # A late check for the missed year is still recorded: late data is still data.
    s.check(2)
    assert s.sv.recorded == {2: "remission", 3: "remission"}


def test_missing_every_year_still_ends_at_the_horizon() -> None:
    s = Surveillance(SurveillancePolicy(horizon_years=4))
    s.until(s.sv.due(4) + POLICY.days(365))
    assert s.sv.missed == (2, 3, 4) and s.sv.end_reason == "horizon_reached"
    assert not s.p.state.overdue and sr.deadlines(s.p.state) == []


def test_a_relapse_is_recorded_and_paged_once_and_surveillance_goes_on() -> None:
    s = Surveillance()
    s.until(s.sv.due(2))
    events = s.check(2, disease_status="relapsed", new_therapy="allogeneic transplant")
    alerts = [e for e in events if isinstance(e, ev.AlertRaised)]
    assert [(a.code, a.severity) for a in alerts] == [("surveillance_relapse", Severity.HIGH)]
    s.until(s.sv.due(3))
    assert not any(isinstance(e, ev.AlertRaised) for e in s.check(3, disease_status="progression"))
    assert s.sv.relapsed and not s.sv.ended and s.sv.next_year() == 4


def test_a_death_between_checks_is_recorded_alerts_critically_and_ends_surveillance() -> None:
    s = Surveillance()
    s.until(s.sv.due(4) + POLICY.days(100))
    events = s.check(None, alive=False, disease_status=None, cause_of_death="sepsis")
    assert kinds(events) == ["surveillance_check_recorded", "alert_raised", "surveillance_ended"]
    assert events[1].severity is Severity.CRITICAL and events[1].code == "surveillance_death"  # type: ignore[attr-defined]
    assert s.sv.end_reason == "deceased" and sr.deadlines(s.p.state) == []
    with pytest.raises(JourneyEnded):
        s.check(5)


def test_a_secondary_malignancy_is_paged() -> None:
    s = Surveillance()
    s.until(s.sv.due(2))
    codes = [e.code for e in s.check(2, secondary_malignancy=True) if isinstance(e, ev.AlertRaised)]
    assert codes == ["secondary_malignancy"]


def test_checks_are_refused_early_from_other_centres_and_for_a_changed_resubmission() -> None:
    s = Surveillance()
    with pytest.raises(WrongStage, match="opens on"):
        s.check(2)
    with pytest.raises(InvalidMilestone, match="year 2 to year 15"):
        s.check(16)
    s.until(s.sv.due(2))
    with pytest.raises(NotPermitted):
        s.check(2, actor="centre:fuda")
    recorded = s.check(2)[0]
    assert isinstance(recorded, SurveillanceCheckRecorded)
    with pytest.raises(WrongStage, match="already recorded"):
        s.check(2)
    first = recorded.check
    assert sr.decide_check(s.p.state, first, Actor.parse(CENTRE), s.p.now) == []  # the same report again: nothing new
    changed = first.model_copy(update={"disease_status": "stable"})
    with pytest.raises(DuplicateMilestone):
        sr.decide_check(s.p.state, changed, Actor.parse(CENTRE), s.p.now)


def test_ops_may_record_a_check_from_the_hubs_remote_follow_up() -> None:
    s = Surveillance()
    s.until(s.sv.due(2))
    assert kinds(s.check(2, actor="ops:nurse")) == ["surveillance_check_recorded"]


def test_a_journey_not_under_surveillance_refuses_checks() -> None:
    p = completed()
    check = SurveillanceCheck(milestone_id="x", occurred_at=p.now, year=1, alive=True, disease_status="stable")
    with pytest.raises(WrongStage, match="not under long-term surveillance"):
        sr.decide_check(p.state, check, Actor.parse(CENTRE), p.now)


def test_the_stored_events_fold_back_to_the_same_state() -> None:
    s = Surveillance()
    s.until(s.sv.due(3) + POLICY.days(POLICY.window_days + 1))
    s.until(s.sv.due(4))
    s.check(4, disease_status="relapsed")
    records = [ev.to_record(e, seq) for seq, e in enumerate(s.p.events, start=1)]
    events = [r.to_event() for r in records]
    assert events == s.p.events
    view = sr.view(s.p.state)
    assert view.status == "active" and view.checks == {4: "relapsed"} and view.missed == [2, 3]
    assert view.next_check_year == 5
