"""What a caller sees of a journey: the query result, the update answer and the API body."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.capacity_view import Placement
from domain.custody import CustodyView, custody_view
from domain.custody_milestones import current_custody
from domain.payments import awaiting_deposit
from domain.stages import Outcome, Stage
from domain.state import Booking, JourneyState, OpenAlert, StageVisit
from domain.timers import Deadline, deadlines


class JourneyView(BaseModel):
    model_config = ConfigDict(frozen=True)

    journey_id: str
    centre_id: str
    product: str | None
    stage: Stage
    outcome: Outcome | None
    end_reason: str | None
    started_at: datetime
    stage_entered_at: datetime
    coi: str | None
    lot: str | None
    reapheresis_count: int
    infused_at: datetime | None
    discharged_at: datetime | None
    max_crs_grade: int
    max_icans_grade: int
    follow_ups: dict[int, str]
    next_deadline: Deadline | None
    deadlines: list[Deadline]
    overdue: bool
    open_alerts: list[OpenAlert]
    bookings: list[Booking]
    stages: list[StageVisit]
    last_seq: int
    # Who holds the cells, every hand-off, time out of the cold chain (None before the first).
    custody: CustodyView | None = None
    # The centre reservation: held weeks, or the waiting-list place and expected weeks.
    reservation: Placement | None = None
    # Patient services (issue 13): the patient's language (None: journey predates it),
    # whether an interpreter is booked, and the deposit gate holding flights and accommodation.
    language: str | None = None
    interpreter_needed: bool = False
    awaiting_deposit: bool = False


def view(state: JourneyState) -> JourneyView:
    pending = deadlines(state)
    return JourneyView(
        journey_id=state.journey_id,
        centre_id=state.centre_id,
        product=state.product,
        stage=state.stage,
        outcome=state.outcome,
        end_reason=state.end_reason,
        started_at=state.started_at,
        stage_entered_at=state.stage_entered_at,
        coi=state.coi,
        lot=state.lot,
        reapheresis_count=state.reapheresis_count,
        infused_at=state.infused_at,
        discharged_at=state.discharged_at,
        max_crs_grade=state.max_crs_grade,
        max_icans_grade=state.max_icans_grade,
        follow_ups=state.follow_ups,
        next_deadline=pending[0] if pending else None,
        deadlines=pending,
        overdue=state.overdue,
        open_alerts=list(state.open_alerts),
        bookings=list(state.bookings),
        stages=list(state.stages),
        last_seq=state.seq,
        custody=custody_view(current_custody(state)),
        reservation=state.reservation,
        language=state.language,
        interpreter_needed=state.interpreter_needed,
        awaiting_deposit=awaiting_deposit(state),
    )
