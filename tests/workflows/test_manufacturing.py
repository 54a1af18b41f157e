"""Manufacturing: failure and re-apheresis (once), second failure, out-of-spec, warn/escalate."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.stages import Outcome, Severity, Stage
from tests.helpers.driver import running_journey

COI = "COI-0001"


async def test_a_failure_goes_back_to_apheresis_and_the_second_failure_ends_the_journey(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_manufacturing(COI)
        await d.sleep_days(12)
        view = await d.report("manufacturing_failed", reason="low transduction", next="reapheresis")
        assert view.stage is Stage.APHERESIS and view.reapheresis_count == 1
        view = await d.report("apheresis_completed", coi=COI)
        assert view.stage is Stage.MANUFACTURING

        await d.sleep_days(12)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.report("manufacturing_failed", reason="no expansion", next="reapheresis")
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "reapheresis_limit"
        assert "re-apheresis already used" in cause.message

        await d.report("manufacturing_failed", reason="no expansion", next="stop")
        result = await d.result()
        log = await store.read(d.journey_id)

    assert result.outcome is Outcome.MANUFACTURING_FAILED and result.end_reason == "no expansion"
    assert [e.payload["stage"] for e in log if e.kind == "stage_entered"][-2:] == [
        "apheresis",
        "manufacturing",
    ]
    assert world.calls.named("safety_alert") == ["high:manufacturing_failed"]
    assert world.calls.named("notify")[-1].startswith("centre: journey ended (manufacturing_failed)")


async def test_re_apheresis_with_another_coi_is_refused_as_a_mismatch(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_manufacturing(COI)
        await d.report("manufacturing_failed", reason="contaminated", next="reapheresis")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await d.report("apheresis_completed", coi="COI-9999")
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "coi_mismatch"
        await d.settle()
        assert "critical:coi_mismatch" in world.calls.named("safety_alert")
        assert (await d.view()).stage is Stage.APHERESIS
        await d.withdraw()


async def test_an_out_of_spec_product_is_released_with_a_warning(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_manufacturing(COI)
        view = await d.report("manufacturing_failed", reason="viability 68%", next="out_of_spec")
        assert view.stage is Stage.MANUFACTURING
        view = await d.report("product_released", coi=COI, lot="LOT-OOS-1")
        assert view.stage is Stage.INFUSION and view.lot == "LOT-OOS-1"
        warning = [a for a in view.open_alerts if a.code == "out_of_spec_release"]
        assert warning and warning[0].severity is Severity.WARNING
        await d.settle()
        assert any("released out of specification" in n for n in world.calls.named("notify"))
        assert world.calls.named("safety_alert") == ["high:manufacturing_out_of_spec"]
        await d.withdraw()


async def test_manufacturing_warns_at_28_days_and_escalates_at_35(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_manufacturing(COI)
        await d.sleep_days(27)
        assert (await d.view()).open_alerts == []

        await d.sleep_days(2)  # day 29
        view = await d.view()
        assert [(a.code, a.severity) for a in view.open_alerts] == [("manufacturing_warn", Severity.WARNING)]
        assert not view.overdue
        assert world.calls.named("notify")[-1] == ("ops: product not released after 28 days of manufacturing")

        await d.sleep_days(7)  # day 36
        view = await d.view()
        assert view.overdue and view.open_alerts[-1].code == "manufacturing_escalate"
        assert world.calls.named("safety_alert") == ["high:manufacturing_escalate"]

        # Ops see it, acknowledge it; the release then moves the journey on.
        view = await d.acknowledge("A2")
        assert [a.alert_id for a in view.open_alerts] == ["A1"]
        view = await d.report("product_released", coi=COI, lot="LOT-LATE")
        assert view.stage is Stage.INFUSION and not view.overdue
        await d.withdraw()
