"""Drives one journey in a test: start it, report milestones at the current (skipped) time."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.recording import RecordingActivities
from domain.milestones import Milestone, parse_milestone
from domain.policy import PathwayPolicy
from domain.stages import Stage
from domain.view import JourneyView
from journeys.client import milestone_update_id
from journeys.settings import Settings
from journeys.temporal import execute_update, workflow_id
from store.memory import InMemoryEventStore
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.history import naive_utc, pending_timers, settle
from worker import build_worker
from workflows.journey import JourneyWorkflow
from workflows.messages import AcknowledgeRequest, MilestoneRequest, StartJourney, WithdrawRequest

CENTRE_KINDS_BY_OPS = {"estimate_accepted", "payment_received", "deposit_overridden"}
# A skip never lands this close before a timer (see tests/helpers/history.py for why).
TIMER_GUARD = timedelta(seconds=10)
MAX_GUARD_SKIPS = 10
# Real seconds an update or a result may take before the test fails instead of hanging
# (a stranded run on the time-skipping server never answers).
PATIENCE = 120


class JourneyDriver:
    def __init__(
        self,
        env: WorkflowEnvironment,
        task_queue: str,
        *,
        centre: str = "pku",
        policy: PathwayPolicy | None = None,
        history_limit: int = 10_000,
        search_attributes: bool = False,
        surveillance: bool = False,
        edition: int = 1,
        language: str | None = None,
        interpreter_needed: bool = False,
    ) -> None:
        # First edition by default: these tests pin the workflow's mechanics under the rules
        # in-flight journeys still run on; tests/workflows/test_second_edition.py runs edition 2.
        self.edition = edition
        self.language, self.interpreter_needed = language, interpreter_needed
        self.env, self.task_queue, self.centre = env, task_queue, centre
        self.language, self.interpreter_needed = language, interpreter_needed
        # A completed journey hands over to long-term surveillance only when a test asks
        # (a surveillance child outlives the journey and its test's worker).
        self.policy = (policy or PathwayPolicy()).model_copy(update={} if surveillance else {"surveillance_years": 0})
        self.history_limit, self.search_attributes = history_limit, search_attributes
        self.journey_id = f"J{uuid.uuid4().hex[:12]}"
        self.handle: WorkflowHandle[Any, Any] | None = None
        self._ids = itertools.count(1)

    async def start(self, patient_ref: str = "patient-ref-1") -> WorkflowHandle[Any, Any]:
        self.handle = await self.env.client.start_workflow(
            JourneyWorkflow.run,
            StartJourney(
                journey_id=self.journey_id,
                patient_ref=patient_ref,
                centre_id=self.centre,
                policy=self.policy,
                actor="ops:test",
                history_limit=self.history_limit,
                upsert_search_attributes=self.search_attributes,
                # Edition 1 is pinned; the current edition comes as for any new journey
                # (workflow.patched), so its histories carry the patch marker.
                rules_edition=1 if self.edition == 1 else None,
                time_zone="Asia/Shanghai" if self.edition >= 2 else "UTC",
                language=self.language,
                interpreter_needed=self.interpreter_needed,
            ),
            id=workflow_id(self.journey_id),
            task_queue=self.task_queue,
        )
        return self.handle

    def actor_for(self, kind: str) -> str:
        return "ops:test" if kind in CENTRE_KINDS_BY_OPS else f"centre:{self.centre}"

    async def milestone(
        self, kind: str, *, milestone_id: str | None = None, occurred_at: datetime | None = None, **fields: Any
    ) -> Milestone:
        mid = milestone_id or f"m{next(self._ids)}"
        when = occurred_at or await self.env.get_current_time()
        return parse_milestone({"kind": kind, "milestone_id": mid, "occurred_at": when, **fields})

    async def report(
        self, kind: str, *, actor: str | None = None, milestone_id: str | None = None, **fields: Any
    ) -> JourneyView:
        milestone = await self.milestone(kind, milestone_id=milestone_id, **fields)
        return await self.send(milestone, actor)

    async def send(self, milestone: Milestone, actor: str | None = None) -> JourneyView:
        """Report a prepared milestone the way the client does (update id from id + body)."""
        assert self.handle
        update = execute_update(
            self.handle,
            JourneyWorkflow.report_milestone,
            MilestoneRequest(actor=actor or self.actor_for(milestone.kind), milestone=milestone),
            id=milestone_update_id(milestone),
        )
        return await asyncio.wait_for(update, PATIENCE)

    async def withdraw(self, reason: str = "patient decided to stop") -> JourneyView:
        assert self.handle
        return await execute_update(
            self.handle, JourneyWorkflow.withdraw, WithdrawRequest(actor="ops:test", reason=reason)
        )

    async def acknowledge(self, alert_id: str) -> JourneyView:
        assert self.handle
        return await execute_update(
            self.handle, JourneyWorkflow.acknowledge_alert, AcknowledgeRequest(actor="ops:test", alert_id=alert_id)
        )

    async def view(self) -> JourneyView:
        assert self.handle
        return await self.handle.query(JourneyWorkflow.current)

    async def sleep_days(self, days: float) -> None:
        await self.skip_to(await self.env.get_current_time() + self.policy.days(days))

    async def skip_to(self, when: datetime) -> None:
        """Skip (test-server) time to `when`, settled, and clear of any timer about to fire.

        May land up to TIMER_GUARD past a timer due just after `when`, so a test cannot
        assert that a deadline due within seconds of the landing point has not fired yet.
        """
        assert self.handle
        await settle(self.handle)
        now = await self.env.get_current_time()
        if when > now:
            await self.env.sleep(when - now)
        for _ in range(MAX_GUARD_SKIPS):
            events = await settle(self.handle)
            due = pending_timers(events)
            now = naive_utc(await self.env.get_current_time())
            if not due or due[0] - now > TIMER_GUARD:
                return
            await self.env.sleep(max(due[0] - now, timedelta(0)) + timedelta(milliseconds=1))
        raise AssertionError(f"{self.handle.id} keeps re-arming a timer within {TIMER_GUARD}")

    async def close(self) -> None:
        """Leave nothing running once the test's worker stops: an ended journey drains its
        last effects (and must finish doing so); any other is terminated once its effects in
        flight are done, so the worker stops with no activity cut off."""
        if self.handle is None:
            return
        if (await self.handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return
        if (await self.view()).stage is Stage.ENDED:
            await asyncio.wait_for(self.handle.result(), timeout=30)
        else:
            await settle(self.handle)
            await self.handle.terminate(reason="test finished")

    async def settle(self) -> None:
        assert self.handle
        await settle(self.handle)

    async def result(self) -> JourneyView:
        assert self.handle
        return await asyncio.wait_for(self.handle.result(), PATIENCE)

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
        # The bedside check: the bag's COI and lot, read by two different staff.
        await self.report("infusion_completed", coi=coi, lot="LOT-1", verified_by=["nurse-a", "nurse-b"])

    async def to_follow_up(self) -> None:
        await self.to_stay()
        for _ in range(14):
            await self.sleep_days(1)
            await self.report("monitoring_reported", crs_grade=1, icans_grade=0)
        await self.report("discharged")

    async def visits(self, responses: dict[int, str]) -> JourneyView:
        """Record follow-up visits, each on its own day after infusion."""
        view = await self.view()
        assert view.infused_at is not None
        for day, response in responses.items():
            await self.skip_to(view.infused_at + self.policy.days(day))
            view = await self.report("follow_up_recorded", visit_day=day, response=response)
        return view


@asynccontextmanager
async def running_journey(
    env: WorkflowEnvironment, task_queue: str, *, world: FakeOutsideWorld | None = None, **kw: Any
) -> AsyncIterator[tuple[JourneyDriver, InMemoryEventStore, FakeOutsideWorld]]:
    store, world = InMemoryEventStore(), world or FakeOutsideWorld()
    worker: Worker = build_worker(
        env.client,
        Settings(),
        store,
        task_queue=task_queue,
        activities=[RecordingActivities(store).record_events, *world.activities()],
    )
    async with worker:
        driver = JourneyDriver(env, task_queue, **kw)
        await driver.start()
        try:
            yield driver, store, world
        finally:
            await driver.close()
