"""Centre capacity on the time-skipping server: acceptance reserves, a full centre puts the next
journey on the waiting list, and withdrawal or death releases the slot and promotes the next."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from domain.capacity import APHERESIS, CentreCapacity
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Stage
from tests.helpers.driver import JourneyDriver, running_journey
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.polling import assert_eventually

# Apheresis due the day the estimate is accepted, so both journeys want this week.
NO_LEAD = PathwayPolicy(travel_expected_days=0, apheresis_expected_days=0)


def one_chair(centre_id: str) -> CentreCapacity:
    """One apheresis chair a week, booked this week only: the second journey must wait."""
    return CentreCapacity(centre_id=centre_id, horizon_weeks=1, weekly={APHERESIS: 1}, time_zone="Asia/Shanghai")


async def accepted(d: JourneyDriver) -> None:
    await d.to_screening()
    await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=95000)
    await d.report("estimate_accepted")
    await d.settle()


async def test_accepting_the_estimate_reserves_the_earliest_week_for_every_resource(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await accepted(d)
        view = await d.view()
        log = await store.read(d.journey_id)
        book = await world.book_store.book("pku")
    assert view.reservation is not None and view.reservation.status == "reserved"
    assert set(view.reservation.weeks) == {"apheresis", "manufacturing:axi-cel", "bed"}
    [entry] = [e for e in log if e.kind == "reservation_updated"]
    assert entry.actor == "system" and entry.payload["reason"] == "reserved on estimate acceptance"
    assert book.find(d.journey_id) is not None


async def test_a_withdrawal_releases_the_slot_and_promotes_the_waiting_journey(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    world = FakeOutsideWorld(capacities=one_chair)
    async with running_journey(env, task_queue, world=world, policy=NO_LEAD) as (first, store, _):
        second = JourneyDriver(env, task_queue, policy=NO_LEAD)
        await second.start("patient-ref-2")
        try:
            await accepted(first)
            await accepted(second)
            waiting = (await second.view()).reservation
            assert waiting is not None and waiting.status == "waiting" and waiting.position == 1
            assert waiting.apheresis_week is not None

            await first.withdraw("patient chose treatment at home")
            result = await first.result()

            async def promoted() -> None:
                r = (await second.view()).reservation
                assert r is not None and r.status == "reserved"

            await assert_eventually(promoted)
            second_log = await store.read(second.journey_id)
        finally:
            await second.close()
    assert result.outcome is Outcome.WITHDRAWN and result.reservation is None
    reasons = [e.payload["reason"] for e in second_log if e.kind == "reservation_updated"]
    assert reasons == ["reserved on estimate acceptance", "changed by the centre's waiting list"]
    assert (await world.book_store.book("pku")).find(first.journey_id) is None


async def test_a_death_releases_the_slot(env: WorkflowEnvironment, task_queue: str) -> None:
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_manufacturing()
        await d.report("death_reported", cause="sepsis")
        result = await d.result()
        log = await store.read(d.journey_id)
        book = await world.book_store.book("pku")
    assert result.outcome is Outcome.DECEASED and result.stage is Stage.ENDED
    assert result.reservation is None and book.find(d.journey_id) is None
    assert log[-1].kind == "reservation_released"


async def test_a_patient_admitted_while_waiting_is_recorded_and_the_overbooking_alerts_ops(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    world = FakeOutsideWorld(capacities=one_chair)
    async with running_journey(env, task_queue, world=world, policy=NO_LEAD) as (first, _store, _):
        second = JourneyDriver(env, task_queue, policy=NO_LEAD)
        await second.start("patient-ref-2")
        try:
            await accepted(first)
            await accepted(second)
            view = await second.report("patient_admitted", interpreter=False)
            assert view.stage is Stage.APHERESIS  # a fact is never refused for want of a slot
            await second.settle()
            view = await second.view()
        finally:
            await second.close()
    assert view.reservation is not None and view.reservation.status == "reserved"
    [alert] = [a for a in view.open_alerts if a.code == "capacity_overbooked"]
    assert alert.severity.value == "warning" and "apheresis" in alert.message
