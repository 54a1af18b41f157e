"""Journey state and the fold that rebuilds it from events (`evolve`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from domain import events as ev
from domain.milestones import (
    ApheresisCompleted,
    Discharged,
    EligibilityDecided,
    FollowUpRecorded,
    InfusionCompleted,
    ManufacturingFailed,
    MonitoringReported,
    ProductReleased,
    TeleconsultCompleted,
)
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage
from domain.surveillance import SurveillanceEvent, SurveillanceState, journey_changes

TELECONSULT_SLOT = "teleconsult_slot"


class OpenAlert(BaseModel):
    model_config = ConfigDict(frozen=True)
    alert_id: str
    severity: Severity
    code: str
    message: str
    raised_at: datetime


class Booking(BaseModel):
    model_config = ConfigDict(frozen=True)
    item: str
    reference: str


class StageVisit(BaseModel):
    model_config = ConfigDict(frozen=True)
    stage: Stage
    entered_at: datetime
    left_at: datetime | None = None


class JourneyState(BaseModel):
    model_config = ConfigDict(frozen=True)

    journey_id: str
    centre_id: str
    product: str | None
    policy: PathwayPolicy
    started_at: datetime

    seq: int = 0
    last_event_at: datetime
    stage: Stage = Stage.RECORDS
    stage_entered_at: datetime
    # Seq of the StageEntered event; names this visit of the stage so timers
    # restart when a loop-back re-enters it.
    stage_entry_seq: int = 0
    outcome: Outcome | None = None
    end_reason: str | None = None

    eligible: bool | None = None
    eligibility_decided_at: datetime | None = None
    estimate_usd: int | None = None
    coi: str | None = None
    lot: str | None = None
    out_of_spec: bool = False
    reapheresis_count: int = 0
    infused_at: datetime | None = None
    discharged_at: datetime | None = None
    max_crs_grade: int = 0
    max_icans_grade: int = 0
    follow_ups: dict[int, str] = Field(default_factory=dict)

    open_alerts: tuple[OpenAlert, ...] = ()
    alert_count: int = 0
    overdue: bool = False
    fired_deadlines: frozenset[str] = frozenset()
    bookings: tuple[Booking, ...] = ()
    milestone_digests: dict[str, str] = Field(default_factory=dict)
    stages: tuple[StageVisit, ...] = ()
    # Long-term surveillance, once the completed journey has handed over to it.
    surveillance: SurveillanceState | None = None

    @property
    def ended(self) -> bool:
        return self.stage is Stage.ENDED

    def next_visit_day(self) -> int | None:
        pending = [d for d in self.policy.follow_up_visit_days if d not in self.follow_ups]
        return pending[0] if pending else None


def initial_state(started: ev.JourneyStarted) -> JourneyState:
    return JourneyState(
        journey_id=started.journey_id,
        centre_id=started.centre_id,
        product=started.product,
        policy=started.policy,
        started_at=started.occurred_at,
        stage_entered_at=started.occurred_at,
        last_event_at=started.occurred_at,
        seq=1,
        stage_entry_seq=1,
        stages=(StageVisit(stage=Stage.RECORDS, entered_at=started.occurred_at),),
    )


def evolve(state: JourneyState, event: ev.Event) -> JourneyState:
    """Apply one event. Decisions were made in `decide`; this only records their effect."""
    changes: dict[str, object] = {"seq": state.seq + 1, "last_event_at": event.occurred_at}
    match event:
        case ev.StageEntered(stage=stage):
            closed = state.stages[:-1] + (
                state.stages[-1].model_copy(update={"left_at": event.occurred_at}),
            )
            changes.update(
                stage=stage,
                stage_entered_at=event.occurred_at,
                stage_entry_seq=state.seq + 1,
                overdue=False,
                stages=closed + (StageVisit(stage=stage, entered_at=event.occurred_at),),
            )
        case ev.MilestoneAccepted(milestone=m):
            changes["milestone_digests"] = {**state.milestone_digests, m.milestone_id: m.digest()}
            changes.update(_milestone_changes(state, m, event.occurred_at))
        case ev.AlertRaised():
            alert = OpenAlert(
                alert_id=event.alert_id,
                severity=event.severity,
                code=event.code,
                message=event.message,
                raised_at=event.occurred_at,
            )
            changes.update(open_alerts=state.open_alerts + (alert,), alert_count=state.alert_count + 1)
            if event.overdue:
                changes["overdue"] = True
        case ev.AlertAcknowledged(alert_id=alert_id):
            changes["open_alerts"] = tuple(a for a in state.open_alerts if a.alert_id != alert_id)
        case ev.ReminderSent():
            pass
        case ev.BookingMade(item=item, reference=ref):
            # A slot confirmed only after its teleconsult took place is used, not held:
            # withdrawal must not try to release it.
            if item != TELECONSULT_SLOT or state.stage is Stage.TELECONSULT:
                changes["bookings"] = state.bookings + (Booking(item=item, reference=ref),)
        case ev.BookingCancelled(reference=ref):
            changes["bookings"] = tuple(b for b in state.bookings if b.reference != ref)
        case ev.JourneyWithdrawn():
            pass
        case SurveillanceEvent():
            changes.update(journey_changes(state.surveillance, event))
        case ev.JourneyEnded(outcome=outcome, reason=reason):
            closed = state.stages[:-1] + (
                state.stages[-1].model_copy(update={"left_at": event.occurred_at}),
            )
            changes.update(
                stage=Stage.ENDED,
                outcome=outcome,
                end_reason=reason,
                stage_entered_at=event.occurred_at,
                stage_entry_seq=state.seq + 1,
                stages=closed + (StageVisit(stage=Stage.ENDED, entered_at=event.occurred_at),),
            )
    deadline = getattr(event, "deadline", None)
    if deadline:
        changes["fired_deadlines"] = state.fired_deadlines | {deadline}
    return state.model_copy(update=changes)


def _milestone_changes(state: JourneyState, m: object, at: datetime) -> dict[str, object]:
    match m:
        case EligibilityDecided():
            return {
                "eligible": m.eligible,
                "eligibility_decided_at": at,
                "estimate_usd": m.estimate_usd,
                "product": m.product or state.product,
            }
        case ApheresisCompleted(coi=coi):
            return {"coi": coi}
        case ProductReleased(lot=lot):
            return {"lot": lot}
        case ManufacturingFailed(next="reapheresis"):
            return {"reapheresis_count": state.reapheresis_count + 1}
        case ManufacturingFailed(next="out_of_spec"):
            return {"out_of_spec": True}
        case InfusionCompleted():
            return {"infused_at": at}
        case MonitoringReported(crs_grade=crs, icans_grade=icans):
            return {
                "max_crs_grade": max(state.max_crs_grade, crs),
                "max_icans_grade": max(state.max_icans_grade, icans),
            }
        case Discharged():
            return {"discharged_at": at}
        case TeleconsultCompleted():
            # The slot has been used; nothing is left to release on withdrawal.
            return {"bookings": tuple(b for b in state.bookings if b.item != TELECONSULT_SLOT)}
        case FollowUpRecorded(visit_day=day, response=response):
            return {"follow_ups": {**state.follow_ups, day: response}, "overdue": False}
    return {}


def fold(started: ev.JourneyStarted, rest: list[ev.Event]) -> JourneyState:
    state = initial_state(started)
    for event in rest:
        state = evolve(state, event)
    return state
