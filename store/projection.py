"""Projections derived from the event log by folding it with the domain's own `evolve`.

Rows are computed from journey state, so a rebuild from the log yields exactly
the rows that live appends produced.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.events import EventRecord, JourneyStarted
from domain.stages import Outcome, Stage
from domain.state import JourneyState, evolve, initial_state
from domain.timers import next_deadline


class JourneyRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    journey_id: str
    centre_id: str
    product: str | None
    stage: Stage
    outcome: Outcome | None
    started_at: datetime
    entered_stage_at: datetime
    next_deadline: datetime | None
    next_deadline_action: str | None
    overdue: bool
    open_alerts: int
    last_seq: int
    updated_at: datetime


class StageDurationRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    centre_id: str
    stage: Stage
    visits: int
    total_days: float
    mean_days: float


class Page(BaseModel):
    rows: list[JourneyRow]
    next_cursor: str | None = None


def apply_records(state: JourneyState | None, records: list[EventRecord]) -> JourneyState:
    for record in records:
        event = record.to_event()
        if state is None:
            if not isinstance(event, JourneyStarted):
                raise ValueError(f"a journey's first event must be journey_started, got {record.kind}")
            state = initial_state(event)
        else:
            state = evolve(state, event)
    if state is None:
        raise ValueError("no events")
    return state


def row_from_state(state: JourneyState) -> JourneyRow:
    due = next_deadline(state)
    return JourneyRow(
        journey_id=state.journey_id, centre_id=state.centre_id, product=state.product,
        stage=state.stage, outcome=state.outcome, started_at=state.started_at,
        entered_stage_at=state.stage_entered_at,
        next_deadline=due.due_at if due else None, next_deadline_action=due.action if due else None,
        overdue=state.overdue, open_alerts=len(state.open_alerts), last_seq=state.seq,
        updated_at=state.last_event_at,
    )
