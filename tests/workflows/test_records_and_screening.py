"""Records timers and lapse, the more-records loop-back, ineligibility and the estimate lapse."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from domain.stages import Outcome, Stage
from tests.helpers.driver import running_journey


async def test_records_remind_at_7_days_escalate_at_14_and_lapse_at_30(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        started = (await d.view()).started_at
        await d.sleep_days(8)
        view = await d.view()
        assert view.stage is Stage.RECORDS and not view.overdue
        assert world.calls.named("notify") == ["patient: medical records still outstanding after 7 days"]

        await d.sleep_days(7)  # day 15
        view = await d.view()
        assert view.overdue and [a.code for a in view.open_alerts] == ["records_escalate"]
        assert world.calls.named("safety_alert") == ["high:records_escalate"]

        result = await d.result()  # time skips to the lapse
        log = await store.read(d.journey_id)

    assert result.outcome is Outcome.LAPSED
    timed = [
        (
            e.kind,
            e.payload.get("code") or e.payload.get("outcome"),
            d.policy.in_days(e.occurred_at - started),
        )
        for e in log[1:]
    ]
    assert [(k, c) for k, c, _ in timed] == [
        ("reminder_sent", None),
        ("alert_raised", "records_escalate"),
        ("alert_raised", "records_lapse"),
        ("journey_ended", "lapsed"),
    ]
    days = [round(day, 3) for _, _, day in timed]
    assert days[0] >= 7 and days[1] >= 14 and days[2] >= 30 and days[3] == days[2]
    assert days[2] < 30.01
    assert world.calls.named("safety_alert") == ["high:records_escalate", "high:records_lapse"]
    assert world.calls.named("notify")[-1].startswith("centre: journey ended (lapsed)")


async def test_more_records_loops_back_and_restarts_the_records_timers(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        first = {x.key for x in (await d.view()).deadlines}
        await d.sleep_days(8)  # first visit's reminder
        await d.report("records_received")
        view = await d.report("teleconsult_completed", outcome="more_records")
        assert view.stage is Stage.RECORDS
        second = {x.key for x in view.deadlines}
        assert second.isdisjoint(first) and len(second) == 3

        await d.sleep_days(8)  # the new visit sends its own reminder, 7 days after re-entry
        patient = [n for n in world.calls.named("notify") if n.startswith("patient:")]
        assert len(patient) == 2

        await d.report("records_received")
        view = await d.report("teleconsult_completed", outcome="proceed")
        assert view.stage is Stage.SCREENING
        await d.withdraw()
        await d.result()
        log = await store.read(d.journey_id)

    stages = [e.payload["stage"] for e in log if e.kind == "stage_entered"]
    assert stages == ["teleconsult", "records", "teleconsult", "screening"]
    # Each teleconsult visit asked the centre for its own slot, under its own key.
    assert world.calls.named("book") == ["teleconsult_slot", "teleconsult_slot"]
    assert len(set(world.calls.keys)) == 2


async def test_ineligible_at_screening_ends_the_journey(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_screening()
        view = await d.report("eligibility_decided", eligible=False, reasons=["creatinine clearance < 30"])
        assert view.stage is Stage.ENDED and view.outcome is Outcome.INELIGIBLE
        result = await d.result()
    assert result.end_reason == "creatinine clearance < 30"
    assert world.calls.named("notify")[-1].startswith("centre: journey ended (ineligible)")


async def test_not_a_candidate_at_teleconsult_ends_the_journey_as_ineligible(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, _world):
        await d.report("records_received")
        await d.report("teleconsult_completed", outcome="not_candidate")
        assert (await d.result()).outcome is Outcome.INELIGIBLE


async def test_an_estimate_not_accepted_within_21_days_lapses(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_screening()
        decided = await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=120000)
        assert decided.next_deadline is not None
        assert decided.next_deadline.key.endswith("estimate_lapse")
        await d.sleep_days(20)
        assert (await d.view()).stage is Stage.SCREENING
        result = await d.result()
        log = await store.read(d.journey_id)
    assert result.outcome is Outcome.LAPSED
    lapse = next(e for e in log if e.kind == "alert_raised")
    assert lapse.payload["code"] == "screening_estimate_lapse"
    assert "21 days" in lapse.payload["message"]
