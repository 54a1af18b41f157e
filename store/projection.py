"""Projections derived from the event log by folding it with the domain's own `evolve`.

Rows are computed from journey state, so a rebuild from the log yields exactly
the rows that live appends produced.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain import surveillance_rules
from domain.events import EventRecord
from domain.stages import Outcome, Stage
from domain.state import JourneyState, fold_records
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
    surveillance: str | None = None
    surveillance_due: datetime | None = None


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


def apply_records(state: JourneyState | None, records: Sequence[EventRecord]) -> JourneyState:
    """The domain's one fold (kept under this name for the store's callers)."""
    return fold_records(records, state)


def row_values(state: JourneyState) -> dict[str, Any]:
    """A journey's projection row as plain values; the append writes these without a model."""
    # After a completed journey, what is next is the surveillance's yearly check.
    due = next_deadline(state) or surveillance_rules.next_deadline(state)
    sv = surveillance_rules.view(state)
    return {
        "journey_id": state.journey_id,
        "centre_id": state.centre_id,
        "product": state.product,
        "stage": state.stage,
        "outcome": state.outcome,
        "started_at": state.started_at,
        "entered_stage_at": state.stage_entered_at,
        "next_deadline": due.due_at if due else None,
        "next_deadline_action": due.action if due else None,
        "overdue": state.overdue,
        "open_alerts": len(state.open_alerts),
        "last_seq": state.seq,
        "updated_at": state.last_event_at,
        "surveillance": None if sv.status == "none" else sv.status,
        "surveillance_due": sv.next_check_due,
    }


def row_from_state(state: JourneyState) -> JourneyRow:
    return JourneyRow(**row_values(state))


# Stage durations are summed as integer micro-days so the total does not depend
# on the order visits were added in: a rebuild then equals the live rows exactly.
MICROS_PER_DAY = 1_000_000


def closed_visits(before: JourneyState | None, after: JourneyState) -> list[tuple[str, Stage, int]]:
    """(centre, stage, micro-days) of every stage visit the step from `before` to `after` closed."""
    done = 0 if before is None else sum(1 for v in before.stages if v.left_at is not None)
    return [
        (after.centre_id, v.stage, round(after.policy.in_days(v.left_at - v.entered_at) * MICROS_PER_DAY))
        for v in after.stages[done:]
        if v.left_at is not None
    ]


def duration_row(centre_id: str, stage: Stage, visits: int, total_micros: int) -> StageDurationRow:
    total = total_micros / MICROS_PER_DAY
    return StageDurationRow(
        centre_id=centre_id, stage=stage, visits=visits, total_days=total, mean_days=total / visits if visits else 0.0
    )


def encode_cursor(row: JourneyRow) -> str:
    """An opaque keyset cursor: the (started_at, journey_id) of the last row on a page."""
    raw = json.dumps([row.started_at.astimezone(UTC).isoformat(), row.journey_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    from store.base import BadCursor

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        started, journey_id = json.loads(raw)
        at = datetime.fromisoformat(started)
        return (at if at.tzinfo else at.replace(tzinfo=UTC)), str(journey_id)
    except (ValueError, TypeError) as err:
        raise BadCursor(f"not a cursor this service handed out: {cursor[:40]!r}") from err
