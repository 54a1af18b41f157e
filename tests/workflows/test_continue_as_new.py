"""Continue-as-new on the real dev server: a long stay rolls over runs and loses nothing.

Real time here: nothing in these tests sleeps, and every deadline is days away.
"""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.policy import PathwayPolicy
from domain.stages import Outcome, Stage
from tests.helpers.driver import JourneyDriver, running_journey

COI = "COI-0001"
# No minimum stay, so the test need not wait 14 real days to discharge.
POLICY = PathwayPolicy(min_stay_days=0)


async def to_stay_now(d: JourneyDriver) -> None:
    await d.to_manufacturing(COI)
    await d.report("product_released", coi=COI, lot="LOT-1")
    await d.report("infusion_completed", coi=COI)


async def run_ids(env: WorkflowEnvironment, workflow_id: str) -> list[str]:
    runs = [w async for w in env.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
    return [w.run_id for w in sorted(runs, key=lambda w: w.start_time)]


async def test_a_long_stay_continues_as_new_and_the_journey_still_completes_intact(
    local_env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(local_env, task_queue, policy=POLICY, history_limit=100, search_attributes=True) as (
        d,
        store,
        world,
    ):
        assert d.handle is not None
        first_run = d.handle.first_execution_run_id
        await to_stay_now(d)
        first = await d.report("monitoring_reported", crs_grade=3, icans_grade=1, milestone_id="mon-first")
        first_milestone = await d.milestone("monitoring_reported", milestone_id="mon-again", crs_grade=1, icans_grade=0)
        await d.send(first_milestone)
        for _ in range(40):
            view = await d.report("monitoring_reported", crs_grade=1, icans_grade=0)
        current = (await d.handle.describe()).run_id
        assert current != first_run, "the stay was expected to continue as new"
        # State carried over: the worst grade, its open alert, the COI, the bookings.
        assert (view.max_crs_grade, view.coi, view.stage) == (3, COI, Stage.STAY)
        assert [a.code for a in view.open_alerts] == ["crs_grade_3"]
        assert [b.item for b in view.bookings] == ["flight", "accommodation", "interpreter"]
        assert view.last_seq > first.last_seq + 40

        # A milestone accepted in an earlier run is still known by its id and body.
        again = await d.send(first_milestone)
        assert again.last_seq == view.last_seq
        changed = first_milestone.model_copy(update={"crs_grade": 2})
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.send(changed)
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "duplicate_milestone"

        await d.report("discharged")
        for day in (30, 90, 180, 365):
            await d.report("follow_up_recorded", visit_day=day, response="CR")
        result = await d.result()
        runs = await run_ids(local_env, d.handle.id)
        log = await store.read(d.journey_id)
        verified = await store.verify(d.journey_id)

    assert len(runs) >= 2 and runs[0] == first_run
    assert result.outcome is Outcome.COMPLETED and result.max_crs_grade == 3
    assert [e.seq for e in log] == list(range(1, result.last_seq + 1))
    assert verified.ok
    kinds = [e.kind for e in log]
    assert kinds.count("journey_started") == 1 and kinds.count("journey_ended") == 1
    assert kinds.count("monitoring_reported") == 42
    # No effect was lost across the boundary. One in flight at the boundary is redone by
    # the next run under the same idempotency key, which the centre answers once.
    assert list(dict.fromkeys(world.calls.named("book"))) == [
        "teleconsult_slot",
        "flight",
        "accommodation",
        "interpreter",
    ]
    assert len(set(world.calls.keys)) == 4
    assert set(world.calls.named("safety_alert")) == {"high:crs_grade_3"}


async def test_a_journey_that_never_grows_long_stays_in_one_run(
    local_env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(local_env, task_queue, policy=POLICY) as (d, _store, _world):
        assert d.handle is not None
        await d.report("records_received")
        await d.report("teleconsult_completed", outcome="not_candidate")
        await d.result()
        assert await run_ids(local_env, d.handle.id) == [d.handle.first_execution_run_id]
