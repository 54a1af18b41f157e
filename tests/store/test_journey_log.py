"""End to end: a whole time-skipped journey writes a complete, verifiable log to the SQL store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import structlog
from structlog.testing import CapturingLogger
from temporalio.testing import WorkflowEnvironment

import activities.recording as recording
from activities.recording import RecordingActivities
from domain.events import EventRecord
from domain.stages import Outcome, Stage
from domain.view import JourneyView
from journeys.settings import Settings
from store.base import EventStore, StoredEvent, StoreUnavailable
from tests.helpers.driver import JourneyDriver
from tests.helpers.fakes import FakeOutsideWorld
from tests.store.conftest import Backend
from worker import build_worker

AFTER_ENDING = {"reservation_released", "surveillance_started"}


@asynccontextmanager
async def journey_on(env: WorkflowEnvironment, task_queue: str, store: EventStore) -> AsyncIterator[JourneyDriver]:
    """Like `running_journey`, but recording into the store under test."""
    world = FakeOutsideWorld()
    worker = build_worker(
        env.client,
        Settings(),
        store,
        task_queue=task_queue,
        activities=[RecordingActivities(store).record_events, *world.activities()],
    )
    async with worker:
        driver = JourneyDriver(env, task_queue)
        await driver.start()
        try:
            yield driver
        finally:
            await driver.close()


async def walk_to_completion(d: JourneyDriver) -> JourneyView:
    await d.to_follow_up()
    await d.visits({30: "CR", 90: "CR", 180: "CR", 365: "CR"})
    return await d.result()


async def assert_whole_log(b: Backend, view: JourneyView) -> list[StoredEvent]:
    log = await b.store.read(view.journey_id)
    assert [e.seq for e in log] == list(range(1, view.last_seq + 1))
    kinds = [e.kind for e in log]
    assert kinds[0] == "journey_started" and kinds.count("journey_ended") == 1
    # What an ending sets off (the slot freed, the hand-over to surveillance) is recorded after it.
    assert set(kinds[kinds.index("journey_ended") + 1 :]) <= AFTER_ENDING
    assert (await b.store.verify(view.journey_id)).ok
    row = await b.store.get_row(view.journey_id)
    assert row is not None
    assert (row.stage, row.outcome, row.last_seq) == (Stage.ENDED, Outcome.COMPLETED, view.last_seq)
    return log


class FlakyStore:
    """A store behind a bad network: the 1st append fails before it reaches the database,
    the 3rd after it committed (the reply was lost), as when a worker dies mid-write."""

    def __init__(self, inner: EventStore) -> None:
        self.inner, self.calls = inner, 0

    async def append(self, journey_id: str, records: list[EventRecord]) -> list[StoredEvent]:
        self.calls += 1
        if self.calls == 1:
            raise StoreUnavailable("event store unreachable during append: connection refused")
        out = await self.inner.append(journey_id, records)
        if self.calls == 3:
            raise StoreUnavailable("event store unreachable during append: connection reset")
        return out

    async def read(self, journey_id: str) -> list[StoredEvent]:
        return await self.inner.read(journey_id)


class TestJourneyLog:
    async def test_a_whole_journey_leaves_a_complete_verifiable_log(
        self, env: WorkflowEnvironment, task_queue: str, sql_backend: Backend
    ) -> None:
        async with journey_on(env, task_queue, sql_backend.store) as d:
            view = await walk_to_completion(d)
        assert view.outcome == Outcome.COMPLETED
        log = await assert_whole_log(sql_backend, view)
        kinds = [e.kind for e in log]
        for kind in (
            "stage_entered",
            "apheresis_completed",
            "infusion_completed",
            "booking_made",
            "follow_up_recorded",
        ):
            assert kind in kinds
        assert {e.actor for e in log} >= {"ops:test", "centre:pku", "system"}

    async def test_the_journey_rides_out_a_database_outage_with_no_event_lost_or_doubled(
        self, env: WorkflowEnvironment, task_queue: str, sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        captured = CapturingLogger()
        monkeypatch.setattr(recording, "log", structlog.wrap_logger(captured, processors=[]))
        flaky = FlakyStore(sql_backend.store)
        async with journey_on(env, task_queue, flaky) as d:
            view = await walk_to_completion(d)
        assert view.outcome == Outcome.COMPLETED
        await assert_whole_log(sql_backend, view)
        warnings = [c.kwargs for c in captured.calls if c.method_name == "warning"]
        assert len(warnings) == 2
        assert all("will be retried" in w["event"] and w["journey_id"] == view.journey_id for w in warnings)
