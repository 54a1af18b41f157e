"""A whole journey, records to the 12-month visit, on the time-skipping server."""

from __future__ import annotations

import time

from temporalio.testing import WorkflowEnvironment

from domain.stages import PATHWAY, Outcome, Stage
from tests.helpers.driver import running_journey

VISITS = {30: "CR", 90: "CR", 180: "CR", 365: "CR"}


async def test_a_journey_runs_through_twelve_months_of_follow_up_to_completion(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    started = time.perf_counter()
    async with running_journey(env, task_queue) as (d, store, world):
        await d.to_follow_up()
        await d.visits(VISITS)
        result = await d.result()
        wall = time.perf_counter() - started
        history = await d.handle.fetch_history()  # type: ignore[union-attr]
        log = await store.read(d.journey_id)

    # Measured, not asserted (no timed assertions): the note reports them.
    print(f"\n12-month journey: {wall:.2f} s wall time, {len(history.events)} history events, {len(log)} domain events")

    assert result.outcome is Outcome.COMPLETED and result.stage is Stage.ENDED
    assert result.follow_ups == VISITS
    assert [v.stage for v in result.stages] == list(PATHWAY)
    assert result.open_alerts == [] and not result.overdue

    # The event log is complete, gap-free, chained, and ends with the outcome.
    assert [e.seq for e in log] == list(range(1, result.last_seq + 1))
    # The outcome, then the centre's slots given back (DESIGN §1b).
    assert [e.kind for e in (log[0], *log[-2:])] == ["journey_started", "journey_ended", "reservation_released"]
    assert log[-2].payload["outcome"] == "completed"
    assert (await store.verify(d.journey_id)).ok
    entered = [e.payload["stage"] for e in log if e.kind == "stage_entered"]
    assert entered == [s.value for s in PATHWAY[1:-1]]
    times = [e.occurred_at for e in log]
    assert times == sorted(times)
    actors = {e.kind: e.actor for e in log}
    assert actors["estimate_accepted"] == "ops:test" and actors["infusion_completed"] == "centre:pku"
    assert actors["journey_started"] == "ops:test" and actors["booking_made"] == "system"

    # The outside world saw the bookings, the reminders before each visit and the hand-off.
    assert world.calls.named("book") == [
        "teleconsult_slot",
        "flight",
        "accommodation",
        "interpreter",
    ]
    assert world.calls.named("cancel") == [] and world.calls.named("safety_alert") == []
    reminders = [n for n in world.calls.named("notify") if n.startswith("patient:")]
    assert [r.split("day ")[1].split(" ")[0] for r in reminders] == ["30", "90", "180", "365"]
    assert world.calls.named("notify")[-1].startswith("centre: journey ended (completed)")
    # One idempotency key per booking, each naming the journey and the event's sequence.
    assert len(set(world.calls.keys)) == 4
    assert all(k.startswith(f"{d.journey_id}:") for k in world.calls.keys)
    booked = [e for e in log if e.kind == "booking_made"]
    assert [b.payload["item"] for b in booked] == world.calls.named("book")


async def test_the_query_shows_the_next_deadline_and_bookings_while_in_travel(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    async with running_journey(env, task_queue) as (d, _store, _world):
        await d.to_screening()
        await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=95000)
        await d.report("estimate_accepted")
        await d.settle()
        view = await d.view()
        assert view.stage is Stage.TRAVEL
        assert view.next_deadline is not None and view.next_deadline.action == "escalate"
        assert [b.item for b in view.bookings] == ["flight", "accommodation", "interpreter"]
        await d.withdraw()
