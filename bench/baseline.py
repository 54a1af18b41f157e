"""The throughput baseline: bare Temporal doing a journey's Temporal work and nothing else.

No domain, no event store, no pydantic, no codec. `Shape` is counted from a real
journey's history in the same run (`shape_of`), so the baseline accepts the same
number of updates, starts (and cancels) the same number of timers, runs the same
number of activities and local activities and upserts search attributes as often.
What is left between the two is our code: rules, events, the store and the converter.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import WorkflowHistory
from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("JourneyStage")
CENTRE = SearchAttributeKey.for_keyword("JourneyCentre")
OVERDUE = SearchAttributeKey.for_bool("JourneyOverdue")
# Far beyond any run: the timer is started and cancelled, never fired, as in a journey.
TIMER = timedelta(hours=1)


@dataclass(frozen=True)
class Shape:
    updates: int
    timers: int
    activities: int
    local_activities: int
    upserts: int


def shape_of(history: WorkflowHistory) -> Shape:
    kinds = Counter(e.WhichOneof("attributes") for e in history.events)
    return Shape(
        updates=kinds["workflow_execution_update_accepted_event_attributes"],
        timers=kinds["timer_started_event_attributes"],
        activities=kinds["activity_task_scheduled_event_attributes"],
        local_activities=sum(
            1
            for e in history.events
            if e.HasField("marker_recorded_event_attributes")
            and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
        ),
        upserts=kinds["upsert_workflow_search_attributes_event_attributes"],
    )


def fired_timers(history: WorkflowHistory) -> int:
    return sum(1 for e in history.events if e.HasField("timer_fired_event_attributes"))


@activity.defn
async def noop(n: int) -> int:
    return n


@workflow.defn
class BaselineWorkflow:
    @workflow.init
    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.received = self.seen = 0
        self.local_left = shape.local_activities
        self.activities_due = 0
        self.activities_done = 0

    @workflow.run
    async def run(self, shape: Shape) -> int:
        pump = asyncio.create_task(self._activities())
        timers, upserts = shape.timers, shape.upserts
        while self.received < shape.updates:
            if upserts:
                upserts -= 1
                workflow.upsert_search_attributes(
                    [STAGE.value_set(f"s{self.received}"), CENTRE.value_set("pku"), OVERDUE.value_set(False)]
                )
            self.seen = self.received
            try:
                # Like the journey's wait for "a milestone or the next deadline".
                await workflow.wait_condition(lambda: self.received != self.seen, timeout=TIMER if timers else None)
            except TimeoutError:
                pass
            timers = max(0, timers - 1)
        self.activities_due = shape.activities
        await workflow.wait_condition(
            lambda: self.activities_done >= shape.activities and workflow.all_handlers_finished()
        )
        await pump
        while self.local_left > 0:
            await self._local()
        for _ in range(upserts):
            workflow.upsert_search_attributes([STAGE.value_set("ended")])
        return self.received

    @workflow.update
    async def step(self, n: int) -> int:
        self.received += 1
        # Spread the activities over the updates, as effects follow milestones.
        if (
            self.shape.activities
            and self.received * self.shape.activities >= (self.activities_due + 1) * self.shape.updates
        ):
            self.activities_due += 1
        await self._local()
        return n

    @workflow.query
    def current(self) -> int:
        return self.received

    async def _local(self) -> None:
        if self.local_left > 0:
            self.local_left -= 1
            await workflow.execute_local_activity(noop, self.received, start_to_close_timeout=timedelta(seconds=15))

    async def _activities(self) -> None:
        while self.activities_done < self.shape.activities:
            await workflow.wait_condition(lambda: self.activities_due > self.activities_done)
            await workflow.execute_activity(noop, self.activities_done, start_to_close_timeout=timedelta(seconds=30))
            self.activities_done += 1
            await self._local()  # the journey records what an activity brought back
