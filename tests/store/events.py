"""Synthetic but foldable event logs for store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import events as ev
from domain.events import EventRecord, to_record
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def script(journey_id: str, centre: str, at: datetime) -> list[ev.Event]:
    """A journey's first steps: a stage change, a reminder, an overdue alert and its ack."""
    s = ev.SYSTEM
    return [
        ev.JourneyStarted(
            occurred_at=at,
            actor="ops:test",
            journey_id=journey_id,
            patient_ref=f"ref-{journey_id}",
            centre_id=centre,
            product="axi-cel",
            policy=PathwayPolicy(),
        ),
        ev.StageEntered(
            occurred_at=at + 2 * DAY, actor=f"centre:{centre}", stage=Stage.TELECONSULT, previous=Stage.RECORDS
        ),
        ev.ReminderSent(
            occurred_at=at + 9 * DAY,
            actor=s,
            deadline="teleconsult:remind",
            audience="centre",
            message="teleconsult due",
        ),
        ev.AlertRaised(
            occurred_at=at + 16 * DAY,
            actor=s,
            alert_id="A1",
            severity=Severity.WARNING,
            code="teleconsult_overdue",
            message="teleconsult overdue",
            overdue=True,
            deadline="teleconsult:escalate",
        ),
        ev.AlertAcknowledged(occurred_at=at + 17 * DAY, actor="ops:test", alert_id="A1", note="chasing"),
        ev.StageEntered(
            occurred_at=at + 18 * DAY, actor=f"centre:{centre}", stage=Stage.SCREENING, previous=Stage.TELECONSULT
        ),
    ]


def journey(
    journey_id: str, n: int = 6, *, centre: str = "pku", at: datetime = T0, outcome: Outcome | None = None
) -> list[EventRecord]:
    """`n` events (more than the script repeats reminders); optionally ended with `outcome`."""
    events = script(journey_id, centre, at)[:n]
    last = events[-1].occurred_at
    while len(events) < n:
        last += DAY
        events.append(
            ev.ReminderSent(
                occurred_at=last,
                actor=ev.SYSTEM,
                deadline=f"d{len(events)}",
                audience="patient",
                message=f"reminder {len(events)}",
            )
        )
    if outcome is not None:
        events.append(ev.JourneyEnded(occurred_at=last + DAY, actor=ev.SYSTEM, outcome=outcome, reason="test"))
    return [to_record(e, seq) for seq, e in enumerate(events, start=1)]


def reminder(seq: int, message: str, at: datetime = T0) -> EventRecord:
    return to_record(
        ev.ReminderSent(
            occurred_at=at + seq * DAY, actor=ev.SYSTEM, deadline=f"r{seq}", audience="ops", message=message
        ),
        seq,
    )
