"""Chain of custody on the time-skipping server: clean chain, excursion released, excursion
rejected then re-apheresis, and a gap in the chain refused."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.stages import Outcome, Severity, Stage
from tests.helpers.driver import JourneyDriver, running_journey

COI = "COI-0001"


async def hand(d: JourneyDriver, frm: str, to: str, condition: str = "intact", **extra: Any) -> Any:
    return await d.report("custody_transferred", coi=COI, from_party=frm, to_party=to, condition=condition, **extra)


async def refused(call: Any) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await call
    assert isinstance(err.value.cause, ApplicationError)
    return err.value.cause


async def test_a_clean_chain_shows_the_holder_and_every_hand_off_and_infusion_goes_ahead(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, _):
        await d.to_manufacturing(COI)
        await hand(d, "collection site", "courier", temperature_c=4.5, seal_id="S-1")
        await d.sleep_days(1)
        await hand(d, "courier", "manufacturing site", temperature_c=5.0, seal_id="S-1")
        await d.sleep_days(16)
        await d.report("product_released", coi=COI, lot="LOT-1")
        await hand(d, "manufacturing site", "courier", temperature_c=-185.0)
        await d.sleep_days(1)
        view = await hand(d, "courier", "centre pharmacy", temperature_c=-178.0)
        assert view.custody.holder == "centre pharmacy" and not view.custody.on_hold
        assert [h.temperature_c for h in view.custody.hand_offs] == [4.5, 5.0, -185.0, -178.0]
        assert view.custody.minutes_out_of_cold_chain == 0
        view = await d.report("infusion_completed", coi=COI)
        assert view.stage is Stage.STAY
        await d.settle()
        log = await store.read(d.journey_id)
    transfers = [e for e in log if e.kind == "custody_transferred"]
    assert [(e.actor, e.payload["to_party"]) for e in transfers] == [
        ("centre:pku", "courier"),
        ("centre:pku", "manufacturing site"),
        ("centre:pku", "courier"),
        ("centre:pku", "centre pharmacy"),
    ]


async def test_an_excursion_pages_and_blocks_infusion_until_quality_releases_the_product(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, world):
        await d.to_manufacturing(COI)
        await d.sleep_days(17)
        await d.report("product_released", coi=COI, lot="LOT-1")
        await hand(d, "manufacturing site", "courier", temperature_c=-185.0)
        await d.sleep_days(1)
        view = await hand(d, "courier", "centre pharmacy", "excursion", temperature_c=-120.0, excursion_minutes=35)
        assert view.custody.on_hold and view.custody.minutes_out_of_cold_chain == 35
        [alert] = [a for a in view.open_alerts if a.code == "custody_excursion"]
        assert alert.severity is Severity.CRITICAL and "-120 °C" in alert.message

        cause = await refused(d.report("infusion_completed", coi=COI))
        assert cause.type == "quality_hold" and "quality_release" in cause.message
        view = await d.report("quality_release", coi=COI, approved_by="qp-wang", decision="release")
        assert not view.custody.on_hold
        view = await d.report("infusion_completed", coi=COI)
        assert view.stage is Stage.STAY
        await d.settle()
    assert "critical:custody_excursion" in world.calls.named("safety_alert")


async def test_a_rejected_product_means_re_apheresis_then_a_fresh_chain_and_a_second_rejection_ends(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, _world):
        await d.to_manufacturing(COI)
        booked = (await d.view()).reservation
        assert booked is not None and booked.status == "reserved"
        await hand(d, "collection site", "courier", "damaged", seal_id="S-1")
        view = await d.report(
            "quality_release", coi=COI, approved_by="qp-wang", decision="reject", reason="bag punctured in transit"
        )
        assert view.stage is Stage.APHERESIS and view.reapheresis_count == 1
        await d.settle()
        rebooked = (await d.view()).reservation
        assert rebooked is not None and rebooked.status == "reserved"

        await d.sleep_days(3)
        view = await d.report("apheresis_completed", coi=COI)
        assert view.stage is Stage.MANUFACTURING and view.custody.holder is None
        # The new collection's chain starts afresh where it was collected.
        view = await hand(d, "collection site", "courier", "excursion", temperature_c=12.0)
        assert view.custody.holder == "courier" and len(view.custody.hand_offs) == 2
        view = await d.report("quality_release", coi=COI, approved_by="qp-wang", decision="reject")
        result = await d.result()
    assert result.outcome is Outcome.MANUFACTURING_FAILED and "no re-apheresis left" in (result.end_reason or "")
    assert result.reservation is None


async def test_a_hand_off_that_leaves_a_gap_is_refused_with_the_current_holder(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, store, _):
        await d.to_manufacturing(COI)
        await hand(d, "collection site", "courier")
        cause = await refused(hand(d, "manufacturing site", "courier-2"))
        assert cause.type == "custody_gap" and "'courier'" in cause.message
        cause = await refused(
            d.report("custody_transferred", coi="COI-9999", from_party="courier", to_party="lab", condition="intact")
        )
        assert cause.type == "coi_mismatch"
        view = await d.view()
        log = await store.read(d.journey_id)
    assert view.custody.holder == "courier"
    assert sum(e.kind == "custody_transferred" for e in log) == 1
    cause_free = await refused_before_collection(env, task_queue)
    assert cause_free == "wrong_stage"


async def refused_before_collection(env: WorkflowEnvironment, task_queue: str) -> str:
    async with running_journey(env, f"{task_queue}-2") as (d, _store, _):
        await d.to_screening()
        cause = await refused(hand(d, "collection site", "courier"))
        return str(cause.type)
