"""A partner centre's HTTP endpoint failing: bookings retry with backoff, each is made once.

The worker runs the real centre and notification activities against a real
HTTP fake centre on loopback; only the per-call HTTP timeout is lowered, through
settings, so a hung centre costs a second instead of ten.
"""

from __future__ import annotations

import time

import pytest

from domain.stages import Outcome
from domain.view import JourneyView
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.faults.support import (
    PATHWAY,
    Figures,
    assert_intact,
    report_step,
    start_journey,
    until,
    walk,
)
from tests.helpers.fake_centre import FakeCentre
from worker import build_worker

TRAVEL = {"flight", "accommodation", "interpreter"}


@pytest.fixture
def centre():
    with FakeCentre() as c:
        yield c


def settings_for(centre: FakeCentre, task_queue: str) -> Settings:
    return Settings(
        task_queue=task_queue,
        codec_enabled=False,
        centre_urls={"*": centre.url},
        notify_url=centre.url,
        http_timeout_seconds=1.0,
    )


async def events_of(store: InMemoryEventStore, journey_id: str, kind: str):
    return [e for e in await store.read(journey_id) if e.kind == kind]


async def test_a_failing_and_hanging_centre_delays_bookings_but_books_each_exactly_once(local_env, task_queue, centre):
    settings = settings_for(centre, task_queue)
    store = InMemoryEventStore()
    jc = JourneyClient(local_env.client, settings)
    figures = Figures("centre endpoint 5xx + timeouts", in_flight=1)
    async with build_worker(local_env.client, settings, store):
        journey = await start_journey(jc, f"centre-{task_queue}")
        # Teleconsult slot: refused with 503, then booked but the answer never arrives.
        centre.fail_next(1, path="/bookings")
        centre.hang_next(1, seconds=3, path="/bookings")
        faulted = time.monotonic()
        # The journey goes on while the slot booking is still being retried.
        await walk(jc, journey, range(0, 3))
        await until(lambda: _bookings_done(store, journey, 1), what="the teleconsult slot booking")
        # Travel: the centre is down for a few seconds as the three bookings go out.
        centre.fail_for(3, path="/bookings")
        await report_step(jc, journey, 3)
        await until(lambda: _bookings_done(store, journey, 4), what="all four bookings")
        figures.recover_seconds = time.monotonic() - faulted
        await walk(jc, journey, range(4, len(PATHWAY)))
        final = JourneyView.model_validate(await jc.handle(journey).result())

    assert final.outcome is Outcome.COMPLETED
    events = await assert_intact(store, journey)
    made = [e.payload for e in events if e.kind == "booking_made"]
    assert sorted(m["item"] for m in made) == sorted({"teleconsult_slot", *TRAVEL})
    booked = centre.booked()
    assert {m["reference"] for m in made} == set(booked.values()), "journey and centre disagree"
    assert set(centre.books.made.values()) == {1}, "a booking key was booked twice"
    attempts = centre.attempts_per_key("/bookings")
    assert sorted(attempts.values())[-2:] >= [2, 3], f"expected the slot and flight retried, saw {attempts}"
    assert len(attempts) == 4, "every retry reused its booking's idempotency key"
    assert any(e.kind == "journey_ended" for e in events)
    figures.notes = {"booking attempts": sum(attempts.values()), "bookings made": len(booked)}
    figures.show()


async def test_a_centre_refusing_a_booking_raises_a_high_alert_and_the_journey_carries_on(
    local_env, task_queue, centre
):
    settings = settings_for(centre, task_queue)
    store = InMemoryEventStore()
    jc = JourneyClient(local_env.client, settings)
    async with build_worker(local_env.client, settings, store):
        journey = await start_journey(jc, f"refused-{task_queue}")
        centre.fail_next(1, status=409, path="/bookings")
        await report_step(jc, journey, 0)
        [alert] = await until(lambda: events_of(store, journey, "alert_raised"), what="the booking alert")
        assert alert.payload["severity"] == "high" and alert.payload["code"] == "book_failed"
        assert "409" in alert.payload["message"]
        await until(lambda: _async(len(centre.books.alerts) == 1), what="the safety alert to reach ops")
        [posted] = centre.books.alerts.values()
        assert posted["code"] == "book_failed" and posted["journey_id"] == journey

        # Not a failed workflow: the journey takes the next milestones, books travel, and can
        # still be withdrawn, its cancellations retried through a failing centre too.
        await walk(jc, journey, range(1, 4))
        await until(lambda: _bookings_done(store, journey, 3), what="the travel bookings")
        centre.fail_next(1, path="/cancel")
        await jc.withdraw(journey, "patient chose treatment at home", "ops:test")
        final = JourneyView.model_validate(await jc.handle(journey).result())

    assert final.outcome is Outcome.WITHDRAWN
    events = await assert_intact(store, journey)
    made = {e.payload["reference"] for e in events if e.kind == "booking_made"}
    cancelled = [e.payload["reference"] for e in events if e.kind == "booking_cancelled"]
    assert sorted(cancelled) == sorted(made) and len(made) == 3
    assert sorted(centre.books.cancels.values()) == sorted(made), "each booking cancelled once"
    cancel_attempts = centre.attempts_per_key("/cancel")
    assert len(cancel_attempts) == 3 and max(cancel_attempts.values()) == 2
    assert set(centre.books.made.values()) == {1}
    # The workflow ends only once its effects are done, so the centre has heard by now.
    assert any("withdrawn" in n["message"] for n in centre.books.notifications.values())


async def _bookings_done(store: InMemoryEventStore, journey: str, n: int) -> bool:
    return len(await events_of(store, journey, "booking_made")) >= n


async def _async(value: bool) -> bool:
    return value
