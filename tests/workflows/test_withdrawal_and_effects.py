"""Withdrawal compensates in reverse; a refused call leaves an alert, never a stuck journey."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from domain.stages import Outcome, Stage
from tests.helpers.driver import running_journey
from tests.helpers.fakes import FakeOutsideWorld


async def test_withdrawal_mid_manufacturing_cancels_bookings_in_reverse_order(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_manufacturing()
        await d.sleep_days(10)
        view = await d.withdraw("patient returned home for family reasons")
        assert view.stage is Stage.ENDED and view.outcome is Outcome.WITHDRAWN
        result = await d.result()
        log = await store.read(d.journey_id)

    assert world.calls.named("book") == [
        "teleconsult_slot",
        "flight",
        "accommodation",
        "interpreter",
    ]
    assert world.calls.named("cancel") == ["interpreter", "accommodation", "flight"]
    assert result.bookings == []
    kinds = [e.kind for e in log]
    assert kinds[kinds.index("journey_withdrawn") :] == [
        "journey_withdrawn",
        "journey_ended",
        "booking_cancelled",
        "booking_cancelled",
        "booking_cancelled",
        # Any ending gives the centre its slots back (DESIGN §1b).
        "reservation_released",
    ]
    cancelled = [e.payload["item"] for e in log if e.kind == "booking_cancelled"]
    assert cancelled == ["interpreter", "accommodation", "flight"]
    assert log[kinds.index("journey_withdrawn")].actor == "ops:test"
    assert world.calls.named("notify")[-1] == ("centre: journey withdrawn: patient returned home for family reasons")
    # Each cancellation has its own key, derived from the withdrawal's sequence number.
    assert len(set(world.calls.cancel_keys)) == 3
    withdrawn_seq = next(e.seq for e in log if e.kind == "journey_ended")
    assert all(k.startswith(f"{d.journey_id}:{withdrawn_seq}:compensate") for k in world.calls.cancel_keys)


async def test_withdrawal_before_travel_cancels_nothing(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_screening()
        await d.withdraw()
        result = await d.result()
    assert result.outcome is Outcome.WITHDRAWN and world.calls.named("cancel") == []


async def test_a_refused_cancellation_leaves_an_alert_and_the_other_cancellations_stand(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    world = FakeOutsideWorld(refuse={"cancel:accommodation"})
    async with running_journey(env, task_queue, world=world) as (d, store, _):
        await d.to_manufacturing()
        await d.withdraw()
        result = await d.result()
        log = await store.read(d.journey_id)

    assert world.calls.named("cancel") == ["interpreter", "accommodation", "flight"]
    assert [b.item for b in result.bookings] == ["accommodation"]
    assert log[-1].kind == "reservation_released"
    tail = [(e.kind, e.payload.get("item") or e.payload.get("code")) for e in log[-4:-1]]
    assert tail == [
        ("booking_cancelled", "interpreter"),
        ("alert_raised", "compensate_failed"),
        ("booking_cancelled", "flight"),
    ]
    [alert] = result.open_alerts
    assert alert.code == "compensate_failed" and "accommodation" in alert.message
    assert world.calls.named("safety_alert") == ["high:compensate_failed"]


async def test_a_refused_booking_raises_a_high_alert_and_the_journey_goes_on(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    world = FakeOutsideWorld(refuse={"book:flight"})
    async with running_journey(env, task_queue, world=world) as (d, _store, _):
        await d.to_manufacturing()
        await d.settle()
        view = await d.view()
        assert view.stage is Stage.MANUFACTURING
        assert [b.item for b in view.bookings] == ["accommodation", "interpreter"]
        [alert] = view.open_alerts
        assert alert.code == "book_failed" and "flight" in alert.message
        assert world.calls.named("safety_alert") == ["high:book_failed"]
        await d.withdraw()


async def test_a_notification_that_cannot_be_delivered_alerts_once_and_does_not_loop(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    world = FakeOutsideWorld(refuse={"notify"})
    async with running_journey(env, task_queue, world=world) as (d, _store, _):
        await d.sleep_days(8)  # the records reminder to the patient is refused
        view = await d.view()
        assert [a.code for a in view.open_alerts] == ["notify_failed"]
        assert len(world.calls.named("notify")) == 1
        await d.withdraw()


async def test_a_safety_page_that_cannot_be_delivered_falls_back_to_ops_once(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    world = FakeOutsideWorld(refuse={"safety_alert"})
    async with running_journey(env, task_queue, world=world) as (d, _store, _):
        await d.sleep_days(15)  # records escalation pages safety, which refuses
        view = await d.view()
        assert [a.code for a in view.open_alerts] == ["records_escalate", "safety_alert_failed"]
        assert [a.alert_id for a in view.open_alerts] == ["A1", "A2"]
        assert world.calls.named("safety_alert") == ["high:records_escalate"]
        assert world.calls.named("notify")[-1].startswith("ops: safety_alert records_escalate failed")
        await d.withdraw()
