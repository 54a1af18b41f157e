"""Wrong-patient product, early discharge, toxicity escalation, missed visits, relapse."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.stages import Outcome, Severity, Stage
from tests.helpers.driver import running_journey

COI = "COI-0001"


def refusal(err: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> ApplicationError:
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_a_coi_mismatch_at_infusion_is_refused_with_a_critical_safety_alert(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_manufacturing(COI)
        await d.sleep_days(18)
        await d.report("product_released", coi=COI, lot="LOT-1")

        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.report("infusion_completed", coi="COI-7777")
        cause = refusal(refused)
        assert cause.type == "coi_mismatch"
        assert "COI-7777" in cause.message and COI in cause.message and "A1" in cause.message

        await d.settle()
        view = await d.view()
        assert view.stage is Stage.INFUSION and view.coi == COI
        [alert] = view.open_alerts
        assert (alert.alert_id, alert.severity, alert.code) == (
            "A1",
            Severity.CRITICAL,
            "coi_mismatch",
        )
        assert world.calls.named("safety_alert") == ["critical:coi_mismatch"]
        log = await store.read(d.journey_id)
        assert log[-1].kind == "alert_raised" and log[-1].payload["severity"] == "critical"
        assert "infusion_completed" not in [e.kind for e in log]

        # The right bag is infused afterwards; the alert stays open until ops acknowledge it.
        view = await d.report("infusion_completed", coi=COI)
        assert view.stage is Stage.STAY and [a.code for a in view.open_alerts] == ["coi_mismatch"]
        await d.withdraw()


async def test_a_coi_mismatch_at_release_is_refused_too(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_manufacturing(COI)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.report("product_released", coi="COI-OTHER", lot="LOT-X")
        assert refusal(refused).type == "coi_mismatch"
        await d.settle()
        assert (await d.view()).stage is Stage.MANUFACTURING
        assert world.calls.named("safety_alert") == ["critical:coi_mismatch"]
        await d.withdraw()


async def test_early_discharge_is_refused_then_accepted_with_an_override_reason(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_stay(COI)
        await d.sleep_days(9)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.report("discharged")
        cause = refusal(refused)
        assert cause.type == "minimum_stay" and "day 9" in cause.message
        assert (await d.view()).stage is Stage.STAY

        view = await d.report("discharged", override_reason="stable, near-centre housing with daily checks")
        assert view.stage is Stage.FOLLOW_UP
        assert [(a.code, a.severity) for a in view.open_alerts] == [("early_discharge", Severity.WARNING)]
        await d.settle()
        assert any("discharged before the minimum stay" in n for n in world.calls.named("notify"))
        await d.withdraw()


async def test_grade_3_crs_escalates_with_a_safety_alert(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_stay(COI)
        view = await d.report("monitoring_reported", crs_grade=2, icans_grade=1)
        assert view.open_alerts == []
        await d.sleep_days(1)
        view = await d.report("monitoring_reported", crs_grade=3, icans_grade=1)
        assert view.max_crs_grade == 3
        assert [(a.code, a.severity) for a in view.open_alerts] == [("crs_grade_3", Severity.HIGH)]
        await d.settle()
        assert world.calls.named("safety_alert") == ["high:crs_grade_3"]
        log = await store.read(d.journey_id)
        assert [e.kind for e in log[-2:]] == ["monitoring_reported", "alert_raised"]
        await d.withdraw()


async def test_a_stay_not_discharged_by_day_28_escalates(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_stay(COI)
        await d.sleep_days(29)
        view = await d.view()
        assert view.overdue and view.open_alerts[-1].code == "stay_max_stay"
        assert world.calls.named("safety_alert") == ["high:stay_max_stay"]
        view = await d.report("discharged")
        assert view.stage is Stage.FOLLOW_UP and not view.overdue
        await d.withdraw()


async def test_a_missed_follow_up_visit_escalates_and_stays_overdue_until_recorded(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_follow_up()
        infused = (await d.view()).infused_at
        assert infused is not None
        await d.skip_to(infused + d.policy.days(25))  # reminder sent on day 23
        assert world.calls.named("notify")[-1] == "patient: follow-up visit due on day 30 after infusion"
        assert not (await d.view()).overdue

        await d.skip_to(infused + d.policy.days(45))  # missed: day 30 + 14 days' grace
        view = await d.view()
        assert view.overdue and view.open_alerts[-1].code == "follow_up_missed"
        assert world.calls.named("safety_alert") == ["high:follow_up_missed"]
        await d.skip_to(infused + d.policy.days(60))
        assert (await d.view()).overdue

        view = await d.report("follow_up_recorded", visit_day=30, response="PR")
        assert not view.overdue and view.next_deadline is not None
        assert view.next_deadline.key == "follow_up.d90.remind"
        await d.withdraw()


async def test_progressive_disease_at_a_visit_ends_the_journey_as_relapsed(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_follow_up()
        await d.visits({30: "CR", 90: "PD"})
        result = await d.result()
    assert result.outcome is Outcome.RELAPSED and result.follow_ups == {30: "CR", 90: "PD"}
    assert world.calls.named("notify")[-1].startswith("centre: journey ended (relapsed)")


async def test_a_death_after_infusion_ends_the_journey_as_deceased(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, _world):
        await d.to_stay(COI)
        await d.report("adverse_event_reported", term="ICANS with cerebral oedema", grade=5)
        view = await d.report("death_reported", cause="cerebral oedema")
        assert view.outcome is Outcome.DECEASED
        assert (await d.result()).end_reason == "cerebral oedema"
