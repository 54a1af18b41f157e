"""The second edition of the clinical rules through the real workflow (time-skipping server).

The same stories are recorded as histories (tests/workflows/record_histories.py,
`second_edition_*`) and replayed on every run.
"""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from domain.stages import Outcome
from tests.helpers.driver import running_journey
from tests.workflows import record_histories as stories


async def test_a_new_journey_runs_the_second_edition_and_pages_toxicity_once_per_episode(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue, edition=2) as (d, store, world):
        await stories.second_edition_toxicity_refused_discharge_then_completed(d)
        final = await d.result()
        assert final.outcome is Outcome.COMPLETED
        pages = world.calls.named("safety_alert")
        assert pages == ["high:crs_grade_3", "critical:crs_grade_4"]
        kinds = [e.kind for e in await store.read(d.journey_id)]
        assert kinds[0] == "journey_started" and (await store.read(d.journey_id))[0].payload["edition"] == 2


async def test_missed_visits_are_recorded_and_the_last_one_loses_the_patient_to_follow_up(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue, edition=2) as (d, store, _world):
        await stories.second_edition_missed_visits_then_lost(d)
        final = await d.result()
        assert final.outcome is Outcome.LOST_TO_FOLLOW_UP
        missed = [e.payload["visit_day"] for e in await store.read(d.journey_id) if e.kind == "follow_up_missed"]
        assert missed == [90, 180, 365]


async def test_a_grade_5_event_during_re_apheresis_is_a_death_that_pages(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue, edition=2) as (d, _store, world):
        await stories.second_edition_death_during_reapheresis(d)
        final = await d.result()
        assert final.outcome is Outcome.DECEASED
        assert "critical:death" in world.calls.named("safety_alert")
        assert world.calls.named("cancel") == []  # the flight and the stay were used


async def test_screening_escalates_and_withdrawal_in_travel_cancels_the_unused_bookings(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue, edition=2) as (d, store, world):
        await stories.second_edition_screening_escalates_then_withdrawn_in_travel(d)
        final = await d.result()
        assert final.outcome is Outcome.WITHDRAWN
        codes = [e.payload["code"] for e in await store.read(d.journey_id) if e.kind == "alert_raised"]
        assert "screening_escalate" in codes
        assert world.calls.named("cancel") == ["interpreter", "accommodation", "flight"]
        assert world.calls.named("safety_alert") == []  # administrative alerts go to ops, not the pager
