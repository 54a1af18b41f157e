"""The journey hands over to long-term surveillance when its last visit completes it, and the
child runs the whole fifteen-year horizon after the journey has closed (time-skipping server)."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.policy import PathwayPolicy
from domain.stages import Outcome
from domain.surveillance import SurveillanceCheck
from domain.surveillance_rules import SurveillanceView
from interop.fhir import journey_bundle
from tests.helpers.driver import running_journey
from workflows.surveillance import SurveillanceWorkflow
from workflows.surveillance_messages import CheckRequest, surveillance_workflow_id

VISITS = {30: "CR", 90: "CR", 180: "CR", 365: "CR"}
# Twelve-hour policy days: the Java test server cuts any workflow execution at ten years,
# so fifteen policy years must fit in seven and a half (see test_surveillance.py).
HALF_DAYS = PathwayPolicy(day_seconds=43_200)


async def test_a_completed_journey_hands_over_and_surveillance_runs_to_the_horizon(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    started = time.perf_counter()
    async with running_journey(env, task_queue, policy=HALF_DAYS, surveillance=True) as (d, store, world):
        await d.to_follow_up()
        await d.visits(VISITS)
        journey = await d.result()
        assert journey.outcome is Outcome.COMPLETED
        journey_wall = time.perf_counter() - started
        child = env.client.get_workflow_handle_for(SurveillanceWorkflow.run, surveillance_workflow_id(d.journey_id))
        d.handle = child  # the driver's clock now watches the child's timers
        view: SurveillanceView = await child.query(SurveillanceWorkflow.current)
        assert view.status == "active" and view.next_check_year == 2 and view.anchor == journey.infused_at
        assert view.anchor is not None
        for year in range(2, 16):
            await d.skip_to(view.anchor + HALF_DAYS.days(365 * year))
            check = SurveillanceCheck(
                milestone_id=f"y{year}",
                occurred_at=await env.get_current_time(),
                year=year,
                alive=True,
                disease_status="remission",
            )
            await child.execute_update(SurveillanceWorkflow.report_check, CheckRequest(actor="centre:pku", check=check))
        result: SurveillanceView = await child.result()
        wall = time.perf_counter() - started
        log = await store.read(d.journey_id)
        verified = await store.verify(d.journey_id)
        described = await child.describe()

    print(
        f"\njourney 12 months + surveillance 15 years (time-skipped): {wall:.2f} s wall time "
        f"(journey {journey_wall:.2f} s), {len(log)} domain events"
    )
    assert described.status == WorkflowExecutionStatus.COMPLETED
    assert result.end_reason == "horizon_reached" and len(result.checks) == 14 and not result.missed
    assert [e.seq for e in log] == list(range(1, len(log) + 1)) and verified.ok
    kinds = [e.kind for e in log]
    handed = kinds.index("surveillance_started")
    # Right after the journey's end (and the centre slots it gave back, DESIGN §1b).
    assert "journey_ended" in kinds[handed - 2 : handed] and kinds[-1] == "surveillance_ended"
    reminders = [n for n in world.calls.named("notify") if "yearly surveillance check" in n]
    assert len(reminders) == 14

    bundle = journey_bundle(log, as_of=log[-1].occurred_at)
    counts: Counter[str] = Counter(e.resource.get_resource_type() for e in bundle.entry or [] if e.resource)
    print("FHIR bundle of this journey:", dict(sorted(counts.items())))
    assert counts["CarePlan"] == 2


async def test_a_journey_ending_otherwise_hands_over_to_nobody(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue, surveillance=True) as (d, _store, _world):
        await d.to_screening()
        await d.report("eligibility_decided", eligible=False, reasons=["organ function"])
        await d.result()
        handle = env.client.get_workflow_handle(surveillance_workflow_id(d.journey_id))
        with pytest.raises(RPCError) as missing:
            await handle.describe()
        assert missing.value.status == RPCStatusCode.NOT_FOUND
