"""A run's Temporal history in tests: is it settled, which timers are pending, which updates got in.

Why settling matters: the time-skipping test server strands a run whose workflow
task cancels a timer that fired while the task was with the worker (it refuses
the completion with "invalid history builder state for action",
temporalio/sdk-java#3088, and never retries it). A milestone sent at the very
instant a deadline falls due does exactly that, so time skips land clear of
timers and wait for the workflow to settle first (`JourneyDriver.skip_to`).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHandle

CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
}
_TASK_ENDED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}
_ACTIVITY_ENDED = (
    "activity_task_completed_event_attributes",
    "activity_task_failed_event_attributes",
    "activity_task_timed_out_event_attributes",
    "activity_task_canceled_event_attributes",
)


async def events_of(handle: WorkflowHandle[Any, Any]) -> list[HistoryEvent]:
    return list((await handle.fetch_history()).events)


def busy(events: list[HistoryEvent]) -> bool:
    """A workflow task or an activity is outstanding (and the run is still open)."""
    if events and events[-1].event_type in CLOSED:
        return False
    task = False
    activities: set[int] = set()
    for e in events:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            task = True
        elif e.event_type in _TASK_ENDED:
            task = False
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            activities.add(e.event_id)
        else:
            for name in _ACTIVITY_ENDED:
                if e.HasField(name):  # type: ignore[arg-type]
                    activities.discard(getattr(e, name).scheduled_event_id)
    return task or bool(activities)


def pending_timers(events: list[HistoryEvent]) -> list[datetime]:
    """When each timer started and neither fired nor cancelled is due."""
    pending: dict[str, datetime] = {}
    for e in events:
        if e.HasField("timer_started_event_attributes"):
            a = e.timer_started_event_attributes
            pending[a.timer_id] = e.event_time.ToDatetime(tzinfo=None) + a.start_to_fire_timeout.ToTimedelta()
        elif e.HasField("timer_fired_event_attributes"):
            pending.pop(e.timer_fired_event_attributes.timer_id, None)
        elif e.HasField("timer_canceled_event_attributes"):
            pending.pop(e.timer_canceled_event_attributes.timer_id, None)
    return sorted(pending.values())


async def settle(handle: WorkflowHandle[Any, Any], patience: float = 30.0) -> list[HistoryEvent]:
    """Wait (polling, real time) until no workflow task or activity is outstanding."""
    deadline = time.monotonic() + patience
    while True:
        events = await events_of(handle)
        if not busy(events):
            return events
        if time.monotonic() > deadline:
            tail = [EventType.Name(e.event_type) for e in events[-5:]]
            raise AssertionError(f"{handle.id} did not settle within {patience}s; last events {tail}")
        await asyncio.sleep(0.01)


def accepted_update_ids(events: list[HistoryEvent]) -> list[str]:
    return [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


def naive_utc(when: datetime) -> datetime:
    """History timestamps are naive UTC; compare like with like."""
    return (
        when.replace(tzinfo=None)
        if when.tzinfo is None
        else (when - (when.utcoffset() or timedelta(0))).replace(tzinfo=None)
    )
