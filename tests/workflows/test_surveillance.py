"""Long-term surveillance on the time-skipping server: fifteen years of durable timers.

The child is started here directly from a completed journey's state (the journey's own
hand-over is tested in test_surveillance_handover.py); its events continue the
journey's log, so the store starts with the journey's events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from activities.recording import RecordingActivities
from domain.surveillance import SurveillanceCheck, SurveillancePolicy
from domain.surveillance_rules import SurveillanceView
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.helpers import pathway
from tests.helpers.driver import JourneyDriver
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.surveillance import completed_journey, hand_over
from worker import build_worker
from workflows.surveillance import SurveillanceWorkflow
from workflows.surveillance_messages import CheckRequest


class Surveillance:
    def __init__(
        self,
        env: WorkflowEnvironment,
        handle: WorkflowHandle[Any, Any],
        p: pathway.Pathway,
        store: InMemoryEventStore,
        world: FakeOutsideWorld,
        policy: SurveillancePolicy,
    ) -> None:
        self.env, self.handle, self.p, self.store, self.world = env, handle, p, store, world
        self.policy = policy
        # The journey driver's clock: skips land clear of timers (see tests/helpers/history.py).
        self.clock = JourneyDriver(env, "unused")
        self.clock.handle = handle
        self.ids = 0

    async def view(self) -> SurveillanceView:
        return await self.handle.query(SurveillanceWorkflow.current)

    async def due(self, year: int) -> datetime:
        view = await self.view()
        assert view.anchor is not None
        return view.anchor + self.policy.days(self.policy.interval_days * year)

    async def check(self, year: int | None, actor: str = "centre:pku", **fields: Any) -> SurveillanceView:
        self.ids += 1
        body = {
            "milestone_id": f"sv-{self.ids}",
            "occurred_at": await self.env.get_current_time(),
            "year": year,
            "alive": True,
            "disease_status": "remission",
            **fields,
        }
        req = CheckRequest(actor=actor, check=SurveillanceCheck.model_validate(body))
        return await self.handle.execute_update(SurveillanceWorkflow.report_check, req)


# The Java time-skipping server caps every workflow execution at ten years (it sets a
# 315,360,000 s execution timeout even when asked for longer; a real server has no cap),
# so the fifteen policy years run on 12-hour days: every yearly check, reminder and
# deadline of the whole horizon, in 7.5 skipped years.
HALF_DAYS = SurveillancePolicy(day_seconds=43_200)


@asynccontextmanager
async def surveillance(
    env: WorkflowEnvironment,
    task_queue: str,
    monkeypatch: pytest.MonkeyPatch,
    policy: SurveillancePolicy | None = None,
    history_limit: int = 10_000,
) -> AsyncIterator[Surveillance]:
    policy = policy or HALF_DAYS
    p = completed_journey(await env.get_current_time(), monkeypatch, policy.day_seconds)
    store, world = InMemoryEventStore(), FakeOutsideWorld()
    worker = build_worker(
        env.client,
        Settings(),
        store,
        task_queue=task_queue,
        activities=[RecordingActivities(store).record_events, *world.activities()],
    )
    async with worker:
        handle = await hand_over(env.client, store, p, task_queue, policy, history_limit)
        s = Surveillance(env, handle, p, store, world, policy)
        try:
            yield s
        finally:
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:  # leave nothing behind
                await handle.terminate(reason="test finished")


async def test_fifteen_years_of_yearly_checks_with_a_missed_year_and_a_relapse(
    env: WorkflowEnvironment, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.perf_counter()
    async with surveillance(env, task_queue, monkeypatch) as s:
        assert (await s.view()).next_check_year == 2
        for year in range(2, 16):
            if year == 5:
                continue  # never reported: missed, alerted, overdue until year 6
            await s.clock.skip_to(await s.due(year))
            if year == 6:
                before = await s.view()
                assert before.overdue and before.missed == [5]
            view = await s.check(year, disease_status="relapsed" if year == 9 else "remission")
        result: SurveillanceView = await s.handle.result()
        wall = time.perf_counter() - started
        history = await s.handle.fetch_history()
        log = await s.store.read(s.p.state.journey_id)
        verified = await s.store.verify(s.p.state.journey_id)
        world = s.world

    print(
        f"\n15-year surveillance (time-skipped): {wall:.2f} s wall time, "
        f"{len(history.events)} history events, {len(log)} domain events"
    )
    assert view.status == "ended" and result.end_reason == "horizon_reached"
    assert result.checks == {y: ("relapsed" if y == 9 else "remission") for y in range(2, 16) if y != 5}
    assert result.missed == [5] and result.relapsed and not result.overdue
    # One log: the journey's events, then surveillance's, gap-free and chained.
    assert [e.seq for e in log] == list(range(1, len(log) + 1)) and verified.ok
    kinds = [e.kind for e in log]
    assert kinds[kinds.index("journey_ended") + 1] == "surveillance_started" and kinds[-1] == "surveillance_ended"
    assert kinds.count("surveillance_check_recorded") == 13 and kinds.count("surveillance_check_missed") == 1
    # Reported: a reminder to the centre before each year, ops told of the miss, the relapse paged.
    notes = world.calls.named("notify")
    assert sum(n.startswith("centre: yearly surveillance check") for n in notes) == 14
    assert any(n.startswith("ops: yearly surveillance check (year 5)") for n in notes)
    assert world.calls.named("safety_alert") == ["high:surveillance_relapse"]


async def test_a_death_is_recorded_paged_and_ends_surveillance(
    env: WorkflowEnvironment, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with surveillance(env, task_queue, monkeypatch) as s:
        await s.clock.skip_to(await s.due(3))
        await s.check(3)
        await s.env.sleep(s.policy.days(100))
        await s.check(None, actor="ops:followup", alive=False, disease_status=None, cause_of_death="sepsis")
        result: SurveillanceView = await s.handle.result()
        log = await s.store.read(s.p.state.journey_id)
    assert result.status == "ended" and result.end_reason == "deceased"
    death = [e for e in log if e.kind == "surveillance_check_recorded"][-1]
    assert death.actor == "ops:followup" and death.payload["check"]["cause_of_death"] == "sepsis"
    assert s.world.calls.named("safety_alert") == ["critical:surveillance_death"]


async def test_a_check_from_another_centre_or_too_early_is_refused_with_a_reason(
    env: WorkflowEnvironment, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with surveillance(env, task_queue, monkeypatch) as s:
        with pytest.raises(WorkflowUpdateFailedError) as early:
            await s.check(2)
        assert "opens on" in str(early.value.cause)
        await s.clock.skip_to(await s.due(2))
        with pytest.raises(WorkflowUpdateFailedError) as other:
            await s.check(2, actor="centre:fuda")
        assert getattr(other.value.cause, "type", None) == "not_permitted"


async def test_surveillance_continues_as_new_and_loses_nothing(
    local_env: WorkflowEnvironment, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the real dev server (the time-skipping one has no continue-as-new), in real time:
    a policy year lasts 0.365 s and nobody reports, so every year is missed."""
    fast = SurveillancePolicy(day_seconds=0.001)
    async with surveillance(local_env, task_queue, monkeypatch, fast, history_limit=60) as s:
        first_run = s.handle.first_execution_run_id
        result: SurveillanceView = await asyncio.wait_for(s.handle.result(), 120)
        runs = [w async for w in local_env.client.list_workflows(f"WorkflowId = '{s.handle.id}'")]
        log = await s.store.read(s.p.state.journey_id)
        verified = await s.store.verify(s.p.state.journey_id)
    # Real time passes between the journey's end and the hand-over, so the first year varies.
    first = next(e.payload["first_year"] for e in log if e.kind == "surveillance_started")
    assert len(runs) >= 3 and first_run in {r.run_id for r in runs}
    assert result.end_reason == "horizon_reached" and result.missed == list(range(first, 16))
    assert [e.seq for e in log] == list(range(1, len(log) + 1)) and verified.ok
    kinds = [e.kind for e in log]
    assert kinds.count("surveillance_started") == 1 and kinds.count("surveillance_check_missed") == 16 - first
    assert kinds[-1] == "surveillance_ended"
