"""Planned versus actual stage dates: what the manager's timeline draws.

The plan is a baseline laid from the journey's start with the policy's own
durations, so slippage accumulates visibly; a forecast re-plans the stages
still ahead from where the journey is now. Callers pass `as_of` (no clock here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.policy import PathwayPolicy
from domain.stages import PATHWAY, Outcome, Stage
from domain.state import JourneyState

PlanStatus = Literal["done", "current", "upcoming", "not_reached"]
PLANNED_STAGES: tuple[Stage, ...] = tuple(s for s in PATHWAY if s is not Stage.ENDED)


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)
    start: datetime
    end: datetime | None = None


class StagePlan(BaseModel):
    model_config = ConfigDict(frozen=True)
    stage: Stage
    status: PlanStatus
    planned_start: datetime
    planned_end: datetime
    # Baseline date after which the policy escalates: "late", not merely "later than planned".
    late_at: datetime
    actual: tuple[Span, ...]
    forecast_start: datetime | None = None
    forecast_end: datetime | None = None
    # Days (pathway days) behind (+) or ahead of (-) the baseline end; None if never reached.
    variance_days: float | None = None


class PlannedVisit(BaseModel):
    model_config = ConfigDict(frozen=True)
    day: int
    due_at: datetime
    response: str | None = None


class JourneyPlan(BaseModel):
    model_config = ConfigDict(frozen=True)
    journey_id: str
    started_at: datetime
    as_of: datetime
    ended_at: datetime | None
    outcome: Outcome | None
    stages: tuple[StagePlan, ...]
    visits: tuple[PlannedVisit, ...]
    behind_days: float


def stage_days(policy: PathwayPolicy, stage: Stage) -> tuple[float, float]:
    """(planned, late) duration of a stage in pathway days, read from the policy."""
    p = policy
    table: dict[Stage, tuple[float, float]] = {
        Stage.RECORDS: (p.records_expected_days, p.records_escalate_days),
        Stage.TELECONSULT: (p.teleconsult_expected_days, p.teleconsult_escalate_days),
        Stage.SCREENING: (p.screening_expected_days, p.estimate_lapse_days),
        Stage.TRAVEL: (p.travel_expected_days, p.travel_escalate_days),
        Stage.APHERESIS: (p.apheresis_expected_days, p.apheresis_escalate_days),
        Stage.MANUFACTURING: (p.manufacturing_expected_days, p.manufacturing_warn_days),
        Stage.INFUSION: (p.infusion_expected_days, p.infusion_escalate_days),
        Stage.STAY: (p.min_stay_days, p.max_stay_days),
    }
    if stage is Stage.FOLLOW_UP:
        # Visits are counted from infusion, which is when the stay begins.
        last = float(p.follow_up_visit_days[-1]) if p.follow_up_visit_days else 0.0
        planned = max(last - p.min_stay_days, 0.0)
        return planned, planned + p.follow_up_grace_days
    return table[stage]


def plan(state: JourneyState, as_of: datetime) -> JourneyPlan:
    policy = state.policy
    ended_at = state.stage_entered_at if state.ended else None
    spans = _spans_by_stage(state)
    current = None if state.ended else PATHWAY.index(state.stage)
    baseline = _baseline(policy, state.started_at)

    rows: list[StagePlan] = []
    cursor: datetime | None = None  # forecast end of the stage before, for stages still ahead
    for index, stage in enumerate(PLANNED_STAGES):
        planned_start, planned_end, late_at = baseline[stage]
        actual = spans.get(stage, ())
        status = _status(index, current, bool(actual))
        forecast_start = forecast_end = None
        if status == "current":
            forecast_start = actual[-1].start
            forecast_end = max(as_of, _forecast_end(state, stage, forecast_start))
            cursor = forecast_end
        elif status == "upcoming" and cursor is not None:
            forecast_start = cursor
            forecast_end = _forecast_end(state, stage, cursor, projected=True)
            cursor = forecast_end
        rows.append(
            StagePlan(
                stage=stage,
                status=status,
                planned_start=planned_start,
                planned_end=planned_end,
                late_at=late_at,
                actual=actual,
                forecast_start=forecast_start,
                forecast_end=forecast_end,
                variance_days=_variance(policy, status, actual, forecast_end, planned_end),
            )
        )
    reached = [r.variance_days for r in rows if r.status in ("done", "current") and r.variance_days is not None]
    return JourneyPlan(
        journey_id=state.journey_id,
        started_at=state.started_at,
        as_of=as_of,
        ended_at=ended_at,
        outcome=state.outcome,
        stages=tuple(rows),
        visits=_visits(state, baseline),
        behind_days=reached[-1] if reached else 0.0,
    )


Baseline = dict[Stage, tuple[datetime, datetime, datetime]]


def _baseline(policy: PathwayPolicy, started_at: datetime) -> Baseline:
    out: Baseline = {}
    cursor = started_at
    for stage in PLANNED_STAGES:
        planned, late = stage_days(policy, stage)
        out[stage] = (cursor, cursor + policy.days(planned), cursor + policy.days(late))
        cursor = cursor + policy.days(planned)
    return out


def _spans_by_stage(state: JourneyState) -> dict[Stage, tuple[Span, ...]]:
    out: dict[Stage, tuple[Span, ...]] = {}
    for visit in state.stages:
        if visit.stage is not Stage.ENDED:
            span = Span(start=visit.entered_at, end=visit.left_at)
            out[visit.stage] = out.get(visit.stage, ()) + (span,)
    return out


def _status(index: int, current: int | None, reached: bool) -> PlanStatus:
    if current is None:
        return "done" if reached else "not_reached"
    if index == current:
        return "current"
    # A stage behind the current one was passed; one ahead may have been visited before a loop-back.
    return "done" if index < current else "upcoming"


def _forecast_end(state: JourneyState, stage: Stage, start: datetime, projected: bool = False) -> datetime:
    policy = state.policy
    if stage is Stage.FOLLOW_UP and state.infused_at is not None and not projected:
        last = policy.follow_up_visit_days[-1] if policy.follow_up_visit_days else 0
        return max(start, state.infused_at + policy.days(last))
    return start + policy.days(stage_days(policy, stage)[0])


def _variance(
    policy: PathwayPolicy,
    status: PlanStatus,
    actual: tuple[Span, ...],
    forecast_end: datetime | None,
    planned_end: datetime,
) -> float | None:
    if status == "done" and actual and actual[-1].end is not None:
        return round(policy.in_days(actual[-1].end - planned_end), 1)
    if forecast_end is not None:
        return round(policy.in_days(forecast_end - planned_end), 1)
    return None


def _visits(state: JourneyState, baseline: Baseline) -> tuple[PlannedVisit, ...]:
    policy = state.policy
    anchor = state.infused_at or baseline[Stage.STAY][0]
    return tuple(
        PlannedVisit(day=day, due_at=anchor + policy.days(day), response=state.follow_ups.get(day))
        for day in policy.follow_up_visit_days
    )
