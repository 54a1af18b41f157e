"""Durable deadlines: which reminders, escalations and lapses are pending, and what firing one means.

A deadline's key names the stage visit it belongs to, so a loop-back (more
records) starts fresh timers and a fired deadline never fires twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain import events as ev
from domain.payments import awaiting_deposit
from domain.stages import Outcome, Severity, Stage
from domain.state import JourneyState

Action = Literal["remind", "warn", "escalate", "lapse"]
Audience = Literal["patient", "centre", "ops"]


class Deadline(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    due_at: datetime
    action: Action
    audience: Audience
    message: str
    # Second edition: the alert's severity and whether it is clinical (None: first-edition mapping).
    severity: Severity | None = None
    clinical: bool = False


def deadlines(state: JourneyState) -> list[Deadline]:
    """Every deadline of the current stage visit that has not fired yet, earliest first."""
    if state.ended:
        return []
    if state.edition >= 2:
        from domain.timers2 import second_edition_deadlines  # builds on Deadline above

        return second_edition_deadlines(state)
    p = state.policy
    entered, visit = state.stage_entered_at, f"{state.stage}.{state.stage_entry_seq}"
    out: list[Deadline] = []

    def add(name: str, anchor: datetime, days: float, action: Action, audience: Audience, message: str) -> None:
        key = f"{visit}.{name}"
        if key not in state.fired_deadlines:
            out.append(
                Deadline(key=key, due_at=anchor + p.days(days), action=action, audience=audience, message=message)
            )

    match state.stage:
        case Stage.RECORDS:
            add(
                "remind",
                entered,
                p.records_remind_days,
                "remind",
                "patient",
                f"medical records still outstanding after {p.records_remind_days:g} days",
            )
            add(
                "escalate",
                entered,
                p.records_escalate_days,
                "escalate",
                "ops",
                f"medical records outstanding after {p.records_escalate_days:g} days",
            )
            add(
                "lapse",
                entered,
                p.records_lapse_days,
                "lapse",
                "ops",
                f"records not received within {p.records_lapse_days:g} days",
            )
        case Stage.TELECONSULT:
            add(
                "escalate",
                entered,
                p.teleconsult_escalate_days,
                "escalate",
                "ops",
                f"teleconsult not completed after {p.teleconsult_escalate_days:g} days",
            )
        case Stage.SCREENING if state.eligible and state.eligibility_decided_at:
            add(
                "estimate_lapse",
                state.eligibility_decided_at,
                p.estimate_lapse_days,
                "lapse",
                "ops",
                f"cost estimate not accepted within {p.estimate_lapse_days:g} days",
            )
        case Stage.TRAVEL:
            add(
                "escalate",
                entered,
                p.travel_escalate_days,
                "escalate",
                "ops",
                f"patient not admitted {p.travel_escalate_days:g} days after the estimate was accepted",
            )
            if awaiting_deposit(state):
                add(
                    "deposit_remind",
                    entered,
                    p.deposit_remind_days,
                    "remind",
                    "patient",
                    "deposit not yet received; flights and accommodation are on hold",
                )
                add(
                    "deposit_escalate",
                    entered,
                    p.deposit_escalate_days,
                    "warn",
                    "ops",
                    f"deposit not received {p.deposit_escalate_days:g} days after the estimate was accepted; "
                    "flights and accommodation are on hold (deposit_overridden releases them)",
                )
        case Stage.APHERESIS:
            add(
                "escalate",
                entered,
                p.apheresis_escalate_days,
                "escalate",
                "ops",
                f"apheresis not reported {p.apheresis_escalate_days:g} days after admission",
            )
        case Stage.MANUFACTURING:
            add(
                "warn",
                entered,
                p.manufacturing_warn_days,
                "warn",
                "ops",
                f"product not released after {p.manufacturing_warn_days:g} days of manufacturing",
            )
            add(
                "escalate",
                entered,
                p.manufacturing_escalate_days,
                "escalate",
                "ops",
                f"product not released after {p.manufacturing_escalate_days:g} days of manufacturing",
            )
        case Stage.INFUSION:
            add(
                "escalate",
                entered,
                p.infusion_escalate_days,
                "escalate",
                "ops",
                f"released product not infused after {p.infusion_escalate_days:g} days",
            )
        case Stage.STAY if state.infused_at:
            add(
                "max_stay",
                state.infused_at,
                p.max_stay_days,
                "escalate",
                "ops",
                f"not discharged by day {p.max_stay_days:g} after infusion",
            )
        case Stage.FOLLOW_UP if state.infused_at:
            day = state.next_visit_day()
            if day is not None:
                visit = f"follow_up.d{day}"
                add(
                    "remind",
                    state.infused_at,
                    day - p.follow_up_remind_before_days,
                    "remind",
                    "patient",
                    f"follow-up visit due on day {day} after infusion",
                )
                add(
                    "missed",
                    state.infused_at,
                    day + p.follow_up_grace_days,
                    "escalate",
                    "ops",
                    f"follow-up visit of day {day} missed (grace {p.follow_up_grace_days:g} days)",
                )
    return sorted(out, key=lambda d: d.due_at)


def next_deadline(state: JourneyState) -> Deadline | None:
    pending = deadlines(state)
    return pending[0] if pending else None


def fire(state: JourneyState, deadline: Deadline, now: datetime) -> list[ev.Event]:
    """The events of a deadline that fell due; nothing if it is no longer pending."""
    if deadline.key not in {d.key for d in deadlines(state)}:
        return []
    if deadline.action == "remind":
        return [
            ev.ReminderSent(
                deadline=deadline.key,
                audience=deadline.audience,
                message=deadline.message,
                occurred_at=now,
                actor=ev.SYSTEM,
            )
        ]
    if state.edition >= 2:
        from domain.timers2 import fire_second_edition

        return fire_second_edition(state, deadline, now)
    severity = Severity.WARNING if deadline.action == "warn" else Severity.HIGH
    stage, *_, name = deadline.key.split(".")
    alert = ev.AlertRaised(
        alert_id=state.alert_id(),
        severity=severity,
        code=f"{stage}_{name}",
        message=deadline.message,
        overdue=deadline.action != "warn",
        deadline=deadline.key,
        occurred_at=now,
        actor=ev.SYSTEM,
    )
    if deadline.action == "lapse":
        return [
            alert,
            ev.JourneyEnded(outcome=Outcome.LAPSED, reason=deadline.message, occurred_at=now, actor=ev.SYSTEM),
        ]
    return [alert]
