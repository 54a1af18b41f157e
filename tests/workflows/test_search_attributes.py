"""Typed search attributes on the dev server: ops can list journeys by stage, centre and overdue."""

from __future__ import annotations

import asyncio
import time

from temporalio.client import WorkflowExecution
from temporalio.testing import WorkflowEnvironment

from domain.policy import PathwayPolicy
from journeys.search_attributes import CENTRE, NEXT_DEADLINE, OVERDUE, STAGE
from tests.helpers.driver import JourneyDriver, running_journey

COI = "COI-0001"


async def listed(env: WorkflowEnvironment, d: JourneyDriver, query: str, patience: float = 15.0) -> WorkflowExecution:
    """Poll visibility (eventually consistent) until this journey matches `query`."""
    assert d.handle is not None
    full = f"WorkflowId = '{d.handle.id}' AND {query}"
    deadline = time.monotonic() + patience
    while True:
        found = [w async for w in env.client.list_workflows(full)]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no journey listed for {query!r} within {patience}s")
        await asyncio.sleep(0.1)


async def test_stage_centre_and_next_deadline_are_searchable_as_the_journey_moves(
    local_env: WorkflowEnvironment, task_queue: str
) -> None:
    policy = PathwayPolicy(min_stay_days=0)
    async with running_journey(local_env, task_queue, centre="fuda", policy=policy, search_attributes=True) as (
        d,
        _store,
        _world,
    ):
        found = await listed(local_env, d, "JourneyStage = 'records' AND JourneyCentre = 'fuda'")
        attrs = found.typed_search_attributes
        assert attrs.get(OVERDUE) is False
        deadline = attrs.get(NEXT_DEADLINE)
        view = await d.view()
        assert view.next_deadline is not None and deadline is not None
        assert abs((deadline - view.next_deadline.due_at).total_seconds()) < 1

        await d.report("records_received")
        await listed(local_env, d, "JourneyStage = 'teleconsult'")

        await d.report("teleconsult_completed", outcome="proceed")
        await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=90000)
        await d.report("estimate_accepted")
        await d.report("patient_admitted")
        await d.report("apheresis_completed", coi=COI)
        await d.report("product_released", coi=COI, lot="LOT-1")
        await d.report("infusion_completed", coi=COI)
        await d.report("discharged")
        found = await listed(local_env, d, "JourneyStage = 'follow_up' AND JourneyOverdue = false")
        assert found.typed_search_attributes.get(CENTRE) == "fuda"

        await d.withdraw()
        found = await listed(local_env, d, "JourneyStage = 'ended'")
        assert found.typed_search_attributes.get(STAGE) == "ended"
        assert found.typed_search_attributes.get(NEXT_DEADLINE) is None
