"""Events reach the store only once Temporal has persisted the decision that made them.

A local activity runs inside the workflow task that decides the events, before
that task is persisted: a worker or server crash then loses the decision while
the store keeps the events, and the retried task re-decides them differently
(a new workflow time), wedging the journey on a seq conflict. The Temporal
restart fault test caught exactly that, so recording is a regular activity,
whose input is in the history before it runs; this guards against a return.
"""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType

from activities.contracts import RECORD_EVENTS
from tests.helpers.driver import running_journey


async def test_events_are_recorded_by_an_activity_scheduled_in_history_not_a_local_activity(env, task_queue):
    async with running_journey(env, task_queue) as (driver, store, _):
        await driver.report("records_received")
        assert driver.handle
        history = await driver.handle.fetch_history()
        scheduled = [
            e.activity_task_scheduled_event_attributes.activity_type.name
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        ]
        markers = [
            e.marker_recorded_event_attributes.marker_name
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        ]
        recorded = await store.read(driver.journey_id)

    # The start's and the milestone's events may share one batch when the milestone arrives
    # while the first append is in flight, so one scheduled recording is enough to show it.
    assert scheduled.count(RECORD_EVENTS) >= 1, scheduled
    assert "core_local_activity" not in markers, markers
    assert [e.seq for e in recorded] == list(range(1, len(recorded) + 1)) and len(recorded) >= 3
