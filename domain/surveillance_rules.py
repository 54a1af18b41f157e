"""Surveillance rules: the hand-over, which yearly checks are accepted, and what falls due when.

Same shape as the pathway: commands return events (or raise a JourneyRuleError
with a reason), timers say which deadline is next and what firing it records.
The state is the journey's own (`JourneyState.surveillance`), so alert numbers
and the event sequence simply continue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain import events as ev
from domain.actors import Actor
from domain.errors import DuplicateMilestone, InvalidMilestone, JourneyEnded, NotPermitted, WrongStage
from domain.stages import Outcome, Severity
from domain.state import JourneyState, OpenAlert
from domain.surveillance import (
    RELAPSE,
    SurveillanceCheck,
    SurveillanceCheckMissed,
    SurveillanceCheckRecorded,
    SurveillanceEnded,
    SurveillancePolicy,
    SurveillanceStarted,
    SurveillanceState,
)
from domain.timers import Deadline

CLOCK_SKEW = timedelta(minutes=10)


def hands_over(state: JourneyState) -> bool:
    """Surveillance follows a journey that completed its scheduled follow-up (if its policy has any)."""
    return state.outcome is Outcome.COMPLETED and state.surveillance is None and state.policy.surveillance_years > 0


def policy_for(state: JourneyState) -> SurveillancePolicy:
    """The journey's own horizon, on the journey's clock (a compressed demo day compresses it too)."""
    return SurveillancePolicy(horizon_years=state.policy.surveillance_years, day_seconds=state.policy.day_seconds)


def handover(state: JourneyState, policy: SurveillancePolicy, now: datetime) -> list[ev.Event]:
    anchor = state.infused_at or state.stage_entered_at
    years_done = (now - anchor) / policy.days(policy.interval_days)
    first = min(int(years_done) + 1, policy.horizon_years)
    return [SurveillanceStarted(policy=policy, anchor=anchor, first_year=first, occurred_at=now, actor=ev.SYSTEM)]


def _active(state: JourneyState) -> SurveillanceState:
    sv = state.surveillance
    if sv is None:
        raise WrongStage("this journey is not under long-term surveillance")
    if sv.ended:
        raise JourneyEnded(f"long-term surveillance has ended ({sv.end_reason})")
    return sv


def _alert(
    state: JourneyState,
    so_far: list[ev.Event],
    severity: Severity,
    code: str,
    message: str,
    now: datetime,
    actor: Actor,
    *,
    overdue: bool = False,
    deadline: str | None = None,
) -> ev.AlertRaised:
    ahead = sum(isinstance(e, ev.AlertRaised) for e in so_far)
    return ev.AlertRaised(
        alert_id=state.alert_id(ahead),
        severity=severity,
        code=code,
        message=message,
        overdue=overdue,
        deadline=deadline,
        occurred_at=now,
        actor=actor,
    )


def decide_check(state: JourneyState, check: SurveillanceCheck, actor: Actor, now: datetime) -> list[ev.Event]:
    """Events of an accepted check, or a JourneyRuleError saying why not."""
    if not (actor.role == "ops" or actor.speaks_for(state.centre_id)):
        raise NotPermitted("surveillance checks come from the treating centre or the hub's follow-up team")
    sv = state.surveillance
    if sv is not None and check.milestone_id in sv.digests:
        if sv.digests[check.milestone_id] != check.digest():
            raise DuplicateMilestone(
                f"milestone_id {check.milestone_id!r} was already used for a different "
                "report; use a new milestone_id for a new report"
            )
        return []
    sv = _active(state)
    if check.occurred_at > now + CLOCK_SKEW:
        raise InvalidMilestone("occurred_at is in the future; report checks after they happen")
    if check.year is not None:
        if check.year not in sv.years():
            raise InvalidMilestone(
                f"yearly checks run from year {sv.first_year} to year "
                f"{sv.policy.horizon_years} after infusion; there is no year-{check.year} check"
            )
        if check.year in sv.recorded:
            raise WrongStage(f"the year-{check.year} check is already recorded")
        opens = sv.due(check.year) - sv.policy.days(sv.policy.remind_before_days)
        if now < opens:
            raise WrongStage(
                f"the year-{check.year} check opens on {opens.date().isoformat()}; report a "
                "relapse or death before then without a year"
            )
    out: list[ev.Event] = [SurveillanceCheckRecorded(check=check, occurred_at=now, actor=actor)]
    when = check.occurred_at.date().isoformat()
    if check.secondary_malignancy and not sv.secondary_malignancy:
        out.append(
            _alert(
                state,
                out,
                Severity.HIGH,
                "secondary_malignancy",
                f"secondary malignancy reported during surveillance ({when}); report to the "
                "manufacturer and the regulator",
                now,
                actor,
            )
        )
    if check.disease_status in RELAPSE and not sv.relapsed:
        out.append(
            _alert(
                state,
                out,
                Severity.HIGH,
                "surveillance_relapse",
                f"{check.disease_status} reported during long-term surveillance ({when})",
                now,
                actor,
            )
        )
    if not check.alive:
        out.append(
            _alert(
                state,
                out,
                Severity.CRITICAL,
                "surveillance_death",
                f"death reported during long-term surveillance ({when}): {check.cause_of_death}",
                now,
                actor,
            )
        )
        out.append(SurveillanceEnded(reason="deceased", occurred_at=now, actor=actor))
    elif check.year is not None and _last(sv, check.year):
        out.append(SurveillanceEnded(reason="horizon_reached", occurred_at=now, actor=actor))
    return out


def _last(sv: SurveillanceState, year: int) -> bool:
    """True when recording `year` leaves no yearly check pending."""
    pending = [y for y in sv.years() if y not in sv.recorded and y not in sv.missed]
    return pending in ([], [year])


# -- timers -------------------------------------------------------------------


def deadlines(state: JourneyState) -> list[Deadline]:
    sv = state.surveillance
    if sv is None or sv.ended:
        return []
    year = sv.next_year()
    if year is None:
        return []
    due, p = sv.due(year), sv.policy
    out = []
    for name, at, action, audience, message in (
        (
            "remind",
            due - p.days(p.remind_before_days),
            "remind",
            "centre",
            f"yearly surveillance check (year {year}) due on {due.date().isoformat()}",
        ),
        (
            "missed",
            due + p.days(p.window_days),
            "escalate",
            "ops",
            f"yearly surveillance check (year {year}) not reported {p.window_days:g} days after it was due",
        ),
    ):
        key = f"surveillance.y{year}.{name}"
        if key not in state.fired_deadlines:
            out.append(Deadline(key=key, due_at=at, action=action, audience=audience, message=message))
    return sorted(out, key=lambda d: d.due_at)


def next_deadline(state: JourneyState) -> Deadline | None:
    pending = deadlines(state)
    return pending[0] if pending else None


def fire(state: JourneyState, deadline: Deadline, now: datetime) -> list[ev.Event]:
    sv = state.surveillance
    if sv is None or deadline.key not in {d.key for d in deadlines(state)}:
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
    year = int(deadline.key.split(".")[1].removeprefix("y"))
    out: list[ev.Event] = [SurveillanceCheckMissed(year=year, due_at=sv.due(year), occurred_at=now, actor=ev.SYSTEM)]
    out.append(
        _alert(
            state,
            out,
            Severity.WARNING,
            "surveillance_check_missed",
            deadline.message,
            now,
            ev.SYSTEM,
            overdue=True,
            deadline=deadline.key,
        )
    )
    if _last(sv, year):
        out.append(SurveillanceEnded(reason="horizon_reached", occurred_at=now, actor=ev.SYSTEM))
    return out


# -- what callers see ---------------------------------------------------------


class SurveillanceView(BaseModel):
    model_config = ConfigDict(frozen=True)

    journey_id: str
    centre_id: str
    status: str  # "active" | "ended" | "none"
    horizon_years: int | None = None
    anchor: datetime | None = None
    checks: dict[int, str] = {}
    missed: list[int] = []
    next_check_year: int | None = None
    next_check_due: datetime | None = None
    next_deadline: Deadline | None = None
    overdue: bool = False
    relapsed: bool = False
    secondary_malignancy: bool = False
    end_reason: str | None = None
    open_alerts: list[OpenAlert] = []
    last_seq: int


def view(state: JourneyState) -> SurveillanceView:
    sv = state.surveillance
    base = SurveillanceView(
        journey_id=state.journey_id,
        centre_id=state.centre_id,
        status="none",
        last_seq=state.seq,
        open_alerts=list(state.open_alerts),
    )
    if sv is None:
        return base
    year = None if sv.ended else sv.next_year()
    return base.model_copy(
        update={
            "status": "ended" if sv.ended else "active",
            "horizon_years": sv.policy.horizon_years,
            "anchor": sv.anchor,
            "checks": sv.recorded,
            "missed": list(sv.missed),
            "next_check_year": year,
            "next_check_due": sv.due(year) if year else None,
            "next_deadline": next_deadline(state),
            "overdue": state.overdue and not sv.ended,
            "relapsed": sv.relapsed,
            "secondary_malignancy": sv.secondary_malignancy,
            "end_reason": sv.end_reason,
        }
    )
