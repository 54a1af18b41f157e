"""A journey started with a language: the deposit gate, the interpreter rule and templated patient messages."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from domain.stages import Stage
from tests.helpers.driver import running_journey


async def test_travel_waits_for_the_deposit_and_messages_go_out_in_the_patients_language(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue, language="zh-CN", interpreter_needed=True) as (d, store, world):
        await d.to_screening()
        await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=98000)
        view = await d.report("estimate_accepted")
        await d.settle()
        assert view.awaiting_deposit and view.language == "zh-CN"
        # Only the interpreter: flights and accommodation wait for the deposit.
        assert world.calls.named("book") == ["teleconsult_slot", "interpreter"]
        await d.sleep_days(8)  # the patient is reminded, then ops warned
        await d.settle()
        view = await d.report("payment_received", amount="29400.00", currency="USD", reference="WIRE-1")
        await d.settle()
        assert not view.awaiting_deposit
        assert world.calls.named("book")[-2:] == ["flight", "accommodation"]
        view = await d.report("patient_admitted")
        assert view.stage is Stage.APHERESIS
        assert all(a.code != "admitted_without_deposit" for a in view.open_alerts)  # the deposit was paid
        await d.withdraw("patient chose treatment at home")
        await d.result()
        log = await store.read(d.journey_id)

    patient = [n for n in world.calls.notifications if n.audience == "patient"]
    templates = [n.template for n in patient]
    assert {"estimate_ready", "deposit_reminder", "flight_booked", "interpreter_booked"} <= set(templates)
    assert {n.language for n in patient} == {"zh-CN"}
    ops = [n for n in world.calls.notifications if n.audience == "ops"]
    assert any("deposit not received" in n.message for n in ops) and all(n.template is None for n in ops)
    kinds = [e.kind for e in log]
    assert "travel_released" in kinds and log[0].payload["language"] == "zh-CN"
