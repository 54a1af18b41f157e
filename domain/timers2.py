"""Second-edition deadlines (DESIGN §1a): clinical anchors, calendar days, severities that mean something.

Every open journey has a pending deadline or a milestone someone may still send:
screening escalates when eligibility is never decided; every scheduled follow-up
visit has its own window, a missed one is recorded and later visits still count;
when the last window passes with nothing recorded the journey is lost to follow-up.
"""

from __future__ import annotations

from datetime import datetime

from domain import events as ev
from domain.clock import day_end, day_start
from domain.stages import Outcome, Severity, Stage
from domain.state import JourneyState
from domain.timers import Action, Audience, Deadline

ADMIN = Severity.WARNING


def second_edition_deadlines(state: JourneyState) -> list[Deadline]:
    p = state.policy
    entered, visit = state.stage_entered_at, f"{state.stage}.{state.stage_entry_seq}"
    out: list[Deadline] = []

    def add(
        name: str,
        due: datetime,
        action: Action,
        audience: Audience,
        message: str,
        severity: Severity = ADMIN,
        clinical: bool = False,
        key: str | None = None,
    ) -> None:
        key = key or f"{visit}.{name}"
        if key not in state.fired_deadlines:
            out.append(
                Deadline(
                    key=key,
                    due_at=due,
                    action=action,
                    audience=audience,
                    message=message,
                    severity=severity,
                    clinical=clinical,
                )
            )

    match state.stage:
        case Stage.RECORDS:
            add(
                "remind",
                entered + p.days(p.records_remind_days),
                "remind",
                "patient",
                f"medical records still outstanding after {p.records_remind_days:g} days",
            )
            add(
                "escalate",
                entered + p.days(p.records_escalate_days),
                "escalate",
                "ops",
                f"medical records outstanding after {p.records_escalate_days:g} days",
            )
            add(
                "lapse",
                entered + p.days(p.records_lapse_days),
                "lapse",
                "ops",
                f"records not received within {p.records_lapse_days:g} days",
            )
        case Stage.TELECONSULT:
            add(
                "escalate",
                entered + p.days(p.teleconsult_escalate_days),
                "escalate",
                "ops",
                f"teleconsult not completed after {p.teleconsult_escalate_days:g} days",
            )
        case Stage.SCREENING if state.eligible and state.eligibility_decided_at:
            add(
                "estimate_lapse",
                state.eligibility_decided_at + p.days(p.estimate_lapse_days),
                "lapse",
                "ops",
                f"cost estimate not accepted within {p.estimate_lapse_days:g} days",
            )
        case Stage.SCREENING if state.eligible is None:
            add(
                "escalate",
                entered + p.days(p.screening_escalate_days),
                "escalate",
                "ops",
                f"eligibility not decided {p.screening_escalate_days:g} days into screening",
            )
        case Stage.TRAVEL:
            add(
                "escalate",
                entered + p.days(p.travel_escalate_days),
                "escalate",
                "ops",
                f"patient not admitted {p.travel_escalate_days:g} days after the estimate was accepted",
            )
        case Stage.APHERESIS:
            add(
                "escalate",
                entered + p.days(p.apheresis_escalate_days),
                "escalate",
                "ops",
                f"apheresis not reported {p.apheresis_escalate_days:g} days after admission",
            )
        case Stage.MANUFACTURING:
            # Manufacturing time runs from the collection, not from when it was reported.
            start = state.apheresis_at or entered
            add(
                "warn",
                start + p.days(p.manufacturing_warn_days),
                "warn",
                "ops",
                f"product not released after {p.manufacturing_warn_days:g} days of manufacturing",
            )
            add(
                "escalate",
                start + p.days(p.manufacturing_escalate_days),
                "escalate",
                "ops",
                f"product not released after {p.manufacturing_escalate_days:g} days of manufacturing",
                severity=Severity.HIGH,
            )
        case Stage.INFUSION:
            add(
                "escalate",
                entered + p.days(p.infusion_escalate_days),
                "escalate",
                "ops",
                f"released product not infused after {p.infusion_escalate_days:g} days",
            )
        case Stage.STAY if state.infused_at:
            add(
                "max_stay",
                day_end(p, state.time_zone, state.infused_at, p.max_stay_days),
                "escalate",
                "ops",
                f"not discharged by day {p.max_stay_days:g} after infusion",
                severity=Severity.HIGH,
                clinical=True,
            )
        case Stage.FOLLOW_UP if state.infused_at:
            for day in p.follow_up_visit_days:
                if day in state.follow_ups or day in state.missed_visits:
                    continue
                add(
                    "remind",
                    day_start(p, state.time_zone, state.infused_at, max(day - p.follow_up_remind_before_days, 0)),
                    "remind",
                    "patient",
                    f"follow-up visit due on day {day} after infusion",
                    key=f"follow_up.d{day}.remind",
                )
                add(
                    "missed",
                    day_end(p, state.time_zone, state.infused_at, day + p.follow_up_window_days),
                    "escalate",
                    "ops",
                    f"follow-up visit of day {day} missed (window {p.follow_up_window_days:g} days)",
                    key=f"follow_up.d{day}.missed",
                )
    return sorted(out, key=lambda d: d.due_at)


def fire_second_edition(state: JourneyState, deadline: Deadline, now: datetime) -> list[ev.Event]:
    stage, *_, name = deadline.key.split(".")
    alert = ev.AlertRaised(
        alert_id=state.alert_id(),
        severity=deadline.severity or ADMIN,
        code=f"{stage}_{name}",
        message=deadline.message,
        overdue=deadline.action != "warn",
        deadline=deadline.key,
        clinical=deadline.clinical,
        occurred_at=now,
        actor=ev.SYSTEM,
    )
    if deadline.action == "lapse":
        return [
            alert,
            ev.JourneyEnded(outcome=Outcome.LAPSED, reason=deadline.message, occurred_at=now, actor=ev.SYSTEM),
        ]
    if stage == "follow_up" and name == "missed":
        day = int(deadline.key.split(".")[1].removeprefix("d"))
        out: list[ev.Event] = [ev.FollowUpMissed(visit_day=day, occurred_at=now, actor=ev.SYSTEM), alert]
        if day == state.policy.follow_up_visit_days[-1]:
            out.append(
                ev.JourneyEnded(
                    outcome=Outcome.LOST_TO_FOLLOW_UP,
                    reason=f"the last follow-up visit (day {day}) was not recorded",
                    occurred_at=now,
                    actor=ev.SYSTEM,
                )
            )
        return out
    return [alert]
