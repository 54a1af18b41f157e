"""Drives one journey in a test: start it, report milestones at the current (skipped) time."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.recording import RecordingActivities
from domain.milestones import parse_milestone
from domain.policy import PathwayPolicy
from domain.view import JourneyView
from journeys.settings import Settings
from journeys.temporal import workflow_id
from store.memory import InMemoryEventStore
from tests.helpers.fakes import FakeOutsideWorld
from worker import build_worker
from workflows.journey import JourneyWorkflow
from workflows.messages import AcknowledgeRequest, MilestoneRequest, StartJourney, WithdrawRequest

CENTRE_KINDS_BY_OPS = {"estimate_accepted"}


class JourneyDriver:
    def __init__(self, env: WorkflowEnvironment, task_queue: str, *, centre: str = "pku",
                 policy: PathwayPolicy | None = None, history_limit: int = 10_000,
                 search_attributes: bool = False) -> None:
        self.env, self.task_queue, self.centre = env, task_queue, centre
        self.policy = policy or PathwayPolicy()
        self.history_limit, self.search_attributes = history_limit, search_attributes
        self.journey_id = f"J{uuid.uuid4().hex[:12]}"
        self.handle: WorkflowHandle[Any, Any] | None = None
        self._ids = itertools.count(1)

    async def start(self, patient_ref: str = "patient-ref-1") -> WorkflowHandle[Any, Any]:
        self.handle = await self.env.client.start_workflow(
            JourneyWorkflow.run,
            StartJourney(journey_id=self.journey_id, patient_ref=patient_ref, centre_id=self.centre,
                         policy=self.policy, actor="ops:test", history_limit=self.history_limit,
                         upsert_search_attributes=self.search_attributes),
            id=workflow_id(self.journey_id), task_queue=self.task_queue,
        )
        return self.handle

    def actor_for(self, kind: str) -> str:
        return "ops:test" if kind in CENTRE_KINDS_BY_OPS else f"centre:{self.centre}"

    async def report(self, kind: str, *, actor: str | None = None, milestone_id: str | None = None,
                     **fields: Any) -> JourneyView:
        assert self.handle
        now = await self.env.get_current_time()
        mid = milestone_id or f"m{next(self._ids)}"
        milestone = parse_milestone({"kind": kind, "milestone_id": mid, "occurred_at": now, **fields})
        return await self.handle.execute_update(
            JourneyWorkflow.report_milestone,
            MilestoneRequest(actor=actor or self.actor_for(kind), milestone=milestone),
            id=f"milestone-{mid}",
        )

    async def withdraw(self, reason: str = "patient decided to stop") -> JourneyView:
        assert self.handle
        return await self.handle.execute_update(
            JourneyWorkflow.withdraw, WithdrawRequest(actor="ops:test", reason=reason))

    async def acknowledge(self, alert_id: str) -> JourneyView:
        assert self.handle
        return await self.handle.execute_update(
            JourneyWorkflow.acknowledge_alert, AcknowledgeRequest(actor="ops:test", alert_id=alert_id))

    async def view(self) -> JourneyView:
        assert self.handle
        return await self.handle.query(JourneyWorkflow.current)

    async def sleep_days(self, days: float) -> None:
        await self.env.sleep(timedelta(seconds=days * self.policy.day_seconds))

    async def result(self) -> JourneyView:
        assert self.handle
        return await self.handle.result()

    # -- whole stretches of the pathway ------------------------------------

    async def to_screening(self) -> None:
        await self.report("records_received")
        await self.report("teleconsult_completed", outcome="proceed")

    async def to_manufacturing(self, coi: str = "COI-0001") -> None:
        await self.to_screening()
        await self.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=95000)
        await self.report("estimate_accepted")
        await self.report("patient_admitted", interpreter=True)
        await self.report("apheresis_completed", coi=coi)

    async def to_stay(self, coi: str = "COI-0001") -> None:
        await self.to_manufacturing(coi)
        await self.sleep_days(18)
        await self.report("product_released", coi=coi, lot="LOT-1")
        await self.report("infusion_completed", coi=coi)

    async def to_follow_up(self) -> None:
        await self.to_stay()
        for _ in range(14):
            await self.report("monitoring_reported", crs_grade=1, icans_grade=0)
            await self.sleep_days(1)
        await self.report("discharged")


@asynccontextmanager
async def running_journey(env: WorkflowEnvironment, task_queue: str, **kw: Any
                          ) -> AsyncIterator[tuple[JourneyDriver, InMemoryEventStore, FakeOutsideWorld]]:
    store, world = InMemoryEventStore(), FakeOutsideWorld()
    worker: Worker = build_worker(
        env.client, Settings(), store, task_queue=task_queue,
        activities=[RecordingActivities(store).record_events, *world.activities()],
    )
    async with worker:
        driver = JourneyDriver(env, task_queue, **kw)
        await driver.start()
        yield driver, store, world
