"""Validators keep bad milestones out of Temporal history; milestone ids make resubmission safe."""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.stages import Stage
from journeys.client import milestone_update_id
from tests.helpers.driver import running_journey
from tests.helpers.history import accepted_update_ids, events_of
from workflows.journey import JourneyWorkflow
from workflows.messages import AcknowledgeRequest, MilestoneRequest, WithdrawRequest


def refusal(err: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> ApplicationError:
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


@pytest.mark.parametrize(
    ("kind", "fields", "actor", "code"),
    [
        ("infusion_completed", {"coi": "COI-1"}, None, "wrong_stage"),
        ("records_received", {}, "centre:fuda", "not_permitted"),
        ("teleconsult_completed", {"outcome": "proceed"}, "ops:test", "not_permitted"),
        ("death_reported", {"cause": "x"}, None, "wrong_stage"),
    ],
)
async def test_a_refused_milestone_never_enters_temporal_history(
    env: WorkflowEnvironment, task_queue: str, kind, fields, actor, code
) -> None:
    async with running_journey(env, task_queue) as (d, store, _world):
        milestone = await d.milestone(kind, **fields)
        await d.settle()
        before = await events_of(d.handle)  # type: ignore[arg-type]
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.send(milestone, actor)
        assert refusal(refused).type == code and refusal(refused).non_retryable

        after = await events_of(d.handle)  # type: ignore[arg-type]
        assert milestone_update_id(milestone) not in accepted_update_ids(after)
        # Only the workflow task that ran the validator (a real server drops even that: the
        # task is speculative); no update event, no command, nothing the workflow did.
        new = {EventType.Name(e.event_type) for e in after[len(before) :]}
        assert new <= {
            "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
            "EVENT_TYPE_WORKFLOW_TASK_STARTED",
            "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
        }
        assert [e.kind for e in await store.read(d.journey_id)] == ["journey_started"]


async def test_a_refusal_carries_a_reason_a_person_can_act_on(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, _world):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.report("apheresis_completed", coi="COI-1")
        assert refusal(refused).message == ("apheresis_completed belongs to stage apheresis; the journey is in records")


async def test_resubmitting_a_milestone_returns_the_same_state_and_adds_no_event(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, _world):
        milestone = await d.milestone("records_received", milestone_id="rec-001", documents=["ct"])
        first = await d.send(milestone)
        again = await d.send(milestone)
        assert again == first
        # Even past Temporal's update-id dedup (another update id, as after continue-as-new),
        # the workflow's own digest answers it without a second event.
        assert d.handle is not None
        await d.settle()  # the teleconsult slot booking lands meanwhile
        before = await d.view()
        direct = await d.handle.execute_update(
            JourneyWorkflow.report_milestone,
            MilestoneRequest(actor="centre:pku", milestone=milestone),
            id="another-update-id",
        )
        assert direct == before and direct.stage is Stage.TELECONSULT
        log = await store.read(d.journey_id)
        assert [e.kind for e in log].count("records_received") == 1
        assert accepted_update_ids(await events_of(d.handle)).count(milestone_update_id(milestone)) == 1


async def test_the_same_milestone_id_with_a_different_body_is_refused(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, _world):
        await d.report("records_received", milestone_id="rec-001", documents=["ct"])
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.report("records_received", milestone_id="rec-001", documents=["mri"])
        assert refusal(refused).type == "duplicate_milestone"
        assert "rec-001" in refusal(refused).message
        assert [e.kind for e in await store.read(d.journey_id)].count("records_received") == 1


async def test_withdraw_and_acknowledge_are_validated_too(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, _world):
        assert d.handle is not None
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.handle.execute_update(JourneyWorkflow.withdraw, WithdrawRequest(actor="centre:pku", reason="x"))
        assert refusal(refused).type == "not_permitted"
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.handle.execute_update(
                JourneyWorkflow.acknowledge_alert,
                AcknowledgeRequest(actor="ops:test", alert_id="A7"),
            )
        assert refusal(refused).type == "no_open_alert"
        assert accepted_update_ids(await events_of(d.handle)) == []
        assert (await d.view()).stage is Stage.RECORDS


async def test_a_milestone_from_the_future_is_refused(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, _world):
        now = await env.get_current_time()
        milestone = await d.milestone("records_received", occurred_at=now + d.policy.days(1))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.send(milestone)
        assert refusal(refused).type == "occurred_at_out_of_range" and "future" in refusal(refused).message
