"""Journey state and the one fold that rebuilds it from events (`evolve`, `fold_records`).

The workflow, the store's projections, the API's fallback view and the manager
page all fold with these functions; nothing else rebuilds a journey.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from domain import events as ev
from domain.capacity_events import CapacityEvent
from domain.capacity_events import journey_changes as capacity_changes
from domain.capacity_view import Placement
from domain.custody import CustodyChain
from domain.milestones import TELECONSULT_SLOT as TELECONSULT_SLOT
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage
from domain.surveillance import SurveillanceEvent, SurveillanceState, journey_changes


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

    # Edition of the clinical rules (1: first edition, kept for journeys started under it).
    edition: int = 1
    time_zone: str = "UTC"

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
    # Second edition: the clinical clock and what a physician reads before acting.
    # occurred_at of the latest milestone that orders the pathway (a report may not predate it).
    last_clinical_at: datetime | None = None
    apheresis_at: datetime | None = None
    out_of_spec_approved_by: str | None = None
    latest_crs_grade: int | None = None
    latest_icans_grade: int | None = None
    last_monitoring_at: datetime | None = None
    # Open toxicity episodes: "crs"/"icans" -> highest grade alerted in the episode; an
    # episode closes when the grade falls below the escalation grade.
    toxicity_episodes: dict[str, int] = Field(default_factory=dict)
    missed_visits: tuple[int, ...] = ()

    open_alerts: tuple[OpenAlert, ...] = ()
    alert_count: int = 0
    overdue: bool = False
    fired_deadlines: frozenset[str] = frozenset()
    bookings: tuple[Booking, ...] = ()
    milestone_digests: dict[str, str] = Field(default_factory=dict)
    stages: tuple[StageVisit, ...] = ()
    # Long-term surveillance, once the completed journey has handed over to it.
    surveillance: SurveillanceState | None = None
    # Who holds the cells and in what condition (DESIGN §1b), and the centre reservation.
    custody: CustodyChain = Field(default_factory=CustodyChain)
    reservation: Placement | None = None
    # Patient services (issue 13; domain/deposit.py). `language` None: a journey started
    # before them, which keeps its first-edition behaviour (English, no deposit gate).
    language: str | None = None
    interpreter_needed: bool = False
    paid_usd: Decimal = Decimal(0)
    deposit_override: str | None = None
    travel_released: bool = False

    @property
    def ended(self) -> bool:
        return self.stage is Stage.ENDED

    def alert_id(self, ahead: int = 0) -> str:
        """The id of the next alert raised on this journey (`ahead` more already decided but not applied).

        The only place alert ids are numbered: rules, timers and failed effects all ask here.
        """
        return f"A{self.alert_count + ahead + 1}"

    def open_visits(self) -> list[int]:
        """Scheduled follow-up days neither recorded nor missed yet (second edition)."""
        return [d for d in self.policy.follow_up_visit_days if d not in self.follow_ups and d not in self.missed_visits]

    def scheduled_visit(self, visit_day: int) -> int | None:
        """The open scheduled visit a reported `visit_day` counts for: the first whose window holds it."""
        window = self.policy.follow_up_window_days
        return next((d for d in self.open_visits() if abs(visit_day - d) <= window), None)

    def next_visit_day(self) -> int | None:
        pending = [d for d in self.policy.follow_up_visit_days if d not in self.follow_ups]
        return pending[0] if pending else None


def initial_state(started: ev.JourneyStarted) -> JourneyState:
    return JourneyState(
        edition=started.edition,
        time_zone=started.time_zone,
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
        language=started.language,
        interpreter_needed=started.interpreter_needed,
    )


def evolve(state: JourneyState, event: ev.Event) -> JourneyState:
    """Apply one event. Decisions were made in `decide`; this only records their effect."""
    changes: dict[str, object] = {"seq": state.seq + 1, "last_event_at": event.occurred_at}
    match event:
        case ev.StageEntered(stage=stage):
            closed = state.stages[:-1] + (state.stages[-1].model_copy(update={"left_at": event.occurred_at}),)
            changes.update(
                stage=stage,
                stage_entered_at=event.occurred_at,
                stage_entry_seq=state.seq + 1,
                overdue=False,
                stages=closed + (StageVisit(stage=stage, entered_at=event.occurred_at),),
            )
        case ev.MilestoneAccepted(milestone=m):
            changes["milestone_digests"] = {**state.milestone_digests, m.milestone_id: m.digest()}
            # Second edition: day counts run from when the fact happened, not when it was reported.
            at = m.occurred_at if state.edition >= 2 else event.occurred_at
            if state.edition >= 2 and m.sequenced:
                changes["last_clinical_at"] = max(at, state.last_clinical_at or at)
            changes.update(m.evolve(state, at))
        case ev.FollowUpMissed(visit_day=day):
            changes["missed_visits"] = (*state.missed_visits, day)
        case ev.PolicyResolved(product=product, policy=policy):
            changes.update(product=product, policy=policy)
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
        case ev.TravelReleased():
            changes["travel_released"] = True
        case SurveillanceEvent():
            changes.update(journey_changes(state.surveillance, event))
        case CapacityEvent():
            changes.update(capacity_changes(event))
        case ev.JourneyEnded(outcome=outcome, reason=reason):
            closed = state.stages[:-1] + (state.stages[-1].model_copy(update={"left_at": event.occurred_at}),)
            changes.update(
                stage=Stage.ENDED,
                outcome=outcome,
                end_reason=reason,
                # Nothing of the pathway is pending once it has ended, so nothing of it is late
                # (long-term surveillance, which carries on, raises its own overdue alerts).
                overdue=False,
                stage_entered_at=event.occurred_at,
                stage_entry_seq=state.seq + 1,
                stages=closed + (StageVisit(stage=Stage.ENDED, entered_at=event.occurred_at),),
            )
    deadline = getattr(event, "deadline", None)
    if deadline:
        changes["fired_deadlines"] = state.fired_deadlines | {deadline}
    return state.model_copy(update=changes)


def fold(started: ev.JourneyStarted, rest: list[ev.Event]) -> JourneyState:
    state = initial_state(started)
    for event in rest:
        state = evolve(state, event)
    return state


def fold_records(records: Iterable[ev.EventRecord], state: JourneyState | None = None) -> JourneyState:
    """Fold stored records (anything shaped like `EventRecord`) onto `state`, or from the journey's start."""
    for record in records:
        event = record.to_event()
        if state is None:
            if not isinstance(event, ev.JourneyStarted):
                raise ValueError(f"a journey's first event must be journey_started, got {record.kind}")
            state = initial_state(event)
        else:
            state = evolve(state, event)
    if state is None:
        raise ValueError("no events")
    return state
