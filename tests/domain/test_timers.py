"""Deadlines per stage from the policy; each fires once; lapses end the journey."""

from __future__ import annotations

import pytest

from domain import timers
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage
from tests.helpers.pathway import COI, Pathway, alerts, kinds

POLICY = PathwayPolicy()


def pending(p: Pathway) -> dict[str, tuple[str, float]]:
    """Deadline name -> (action, days after now) of the current stage visit."""
    return {d.key.rsplit(".", 1)[-1]: (d.action, p.policy.in_days(d.due_at - p.now)) for d in timers.deadlines(p.state)}


@pytest.mark.parametrize(
    ("walk", "expected"),
    [
        (
            lambda p: p,
            {"remind": ("remind", 7), "escalate": ("escalate", 14), "lapse": ("lapse", 30)},
        ),
        (Pathway.to_teleconsult, {"escalate": ("escalate", 14)}),
        (Pathway.to_screening, {}),
        (Pathway.to_estimate, {"estimate_lapse": ("lapse", 21)}),
        (Pathway.to_travel, {"escalate": ("escalate", 30)}),
        (Pathway.to_apheresis, {"escalate": ("escalate", 14)}),
        (Pathway.to_manufacturing, {"warn": ("warn", 28), "escalate": ("escalate", 35)}),
        (Pathway.to_infusion, {"escalate": ("escalate", 7)}),
        (Pathway.to_stay, {"max_stay": ("escalate", 28)}),
    ],
)
def test_each_stage_has_the_deadlines_of_its_policy(walk, expected) -> None:
    p = Pathway()
    walk(p)
    assert pending(p) == expected


def test_follow_up_deadlines_count_from_infusion_visit_by_visit() -> None:
    p = Pathway().to_follow_up()  # discharged on day 14 after infusion
    assert pending(p) == {"remind": ("remind", 30 - 7 - 14), "missed": ("escalate", 30 + 14 - 14)}
    p.report("follow_up_recorded", visit_day=30, response="CR")
    assert {d.key for d in timers.deadlines(p.state)} == {
        "follow_up.d90.remind",
        "follow_up.d90.missed",
    }


def test_an_ended_journey_has_no_deadlines() -> None:
    p = Pathway()
    p.withdraw()
    assert timers.deadlines(p.state) == [] and timers.next_deadline(p.state) is None


def test_deadlines_come_earliest_first() -> None:
    due = [d.due_at for d in timers.deadlines(Pathway().state)]
    assert due == sorted(due)


def test_records_remind_the_patient_then_escalate_then_lapse() -> None:
    p = Pathway().later(31)
    assert kinds(p.events[1:]) == ["reminder_sent", "alert_raised", "alert_raised", "journey_ended"]
    remind, escalate, lapse = p.events[1], p.events[2], p.events[3]
    assert remind.audience == "patient" and remind.occurred_at == p.started.occurred_at + POLICY.days(7)
    assert escalate.severity is Severity.HIGH and escalate.code == "records_escalate"
    assert escalate.overdue and escalate.occurred_at == p.started.occurred_at + POLICY.days(14)
    assert lapse.code == "records_lapse"
    assert p.state.outcome is Outcome.LAPSED and p.state.stage is Stage.ENDED


def test_a_deadline_fires_once_only() -> None:
    p = Pathway()
    remind = timers.next_deadline(p.state)
    assert remind is not None and remind.action == "remind"
    p.later(8)
    assert remind.key in p.state.fired_deadlines
    assert timers.fire(p.state, remind, p.now) == []
    assert remind.key not in {d.key for d in timers.deadlines(p.state)}


def test_a_deadline_of_a_stage_already_left_does_nothing() -> None:
    p = Pathway()
    stale = timers.next_deadline(p.state)
    assert stale is not None
    p.to_teleconsult().later(30)
    assert timers.fire(p.state, stale, p.now) == []


def test_the_estimate_lapses_21_days_after_eligibility() -> None:
    p = Pathway().to_estimate().later(22)
    [alert] = alerts(p.events)
    assert alert.code == "screening_estimate_lapse"
    assert p.state.outcome is Outcome.LAPSED


def test_manufacturing_warns_at_28_days_then_escalates_at_35() -> None:
    p = Pathway().to_manufacturing().later(36)
    warn, escalate = alerts(p.events)
    assert (warn.severity, warn.code, warn.overdue) == (
        Severity.WARNING,
        "manufacturing_warn",
        False,
    )
    assert (escalate.severity, escalate.code, escalate.overdue) == (
        Severity.HIGH,
        "manufacturing_escalate",
        True,
    )
    assert p.state.overdue and p.state.stage is Stage.MANUFACTURING


def test_a_warning_notifies_ops_without_marking_the_journey_overdue() -> None:
    p = Pathway().to_manufacturing().later(29)
    assert not p.state.overdue


def test_re_apheresis_restarts_the_manufacturing_clock() -> None:
    p = Pathway().to_manufacturing().later(20)
    p.report("manufacturing_failed", reason="x", next="reapheresis")
    p.report("apheresis_completed", coi=COI)
    p.later(20)  # 40 days since the first apheresis, 20 since the second
    assert alerts(p.events)[1:] == []
    assert pending(p)["warn"] == ("warn", 8)


def test_a_stay_past_the_maximum_escalates() -> None:
    p = Pathway().to_stay().later(29)
    [alert] = alerts(p.events)
    assert alert.code == "stay_max_stay" and p.state.overdue


def test_a_missed_follow_up_visit_escalates_and_marks_the_journey_overdue() -> None:
    p = Pathway().to_follow_up().later(31)  # day 45 after infusion
    assert kinds(p.events[-2:]) == ["reminder_sent", "alert_raised"]
    assert p.events[-1].code == "follow_up_missed" and p.state.overdue


def test_entering_a_new_stage_clears_the_overdue_flag() -> None:
    p = Pathway().to_stay().later(29)
    assert p.state.overdue
    p.report("discharged")
    assert not p.state.overdue


def test_an_ended_journey_is_not_overdue() -> None:
    # Escalated (overdue), then lapsed: nothing of the pathway is pending, so nothing is late.
    p = Pathway().later(15)
    assert p.state.overdue
    p.later(16)
    assert p.state.outcome is Outcome.LAPSED and not p.state.overdue
    withdrawn = Pathway().to_stay().later(29)
    assert withdrawn.state.overdue
    withdrawn.withdraw()
    assert withdrawn.state.stage is Stage.ENDED and not withdrawn.state.overdue


def test_a_centre_override_changes_the_deadlines() -> None:
    p = Pathway(PathwayPolicy(records_remind_days=3, records_escalate_days=5, records_lapse_days=9))
    assert pending(p) == {
        "remind": ("remind", 3),
        "escalate": ("escalate", 5),
        "lapse": ("lapse", 9),
    }


def test_compressed_days_only_change_the_clock() -> None:
    p = Pathway(PathwayPolicy(day_seconds=1.0))
    [first] = [d for d in timers.deadlines(p.state) if d.action == "remind"]
    assert (first.due_at - p.now).total_seconds() == 7.0
