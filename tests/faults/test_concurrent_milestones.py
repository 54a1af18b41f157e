"""The same milestone sent many times at once: one event, one answer; a reused id is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio

from activities.recording import RecordingActivities
from domain.milestones import parse_milestone
from journeys.client import JourneyClient, Refused
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.faults.support import NO_TIMERS, Figures, assert_intact, milestone
from tests.helpers.fakes import FakeOutsideWorld
from worker import build_worker

COPIES = 20


class Journey:
    def __init__(self, jc: JourneyClient, store: InMemoryEventStore, journey_id: str) -> None:
        self.jc, self.store, self.id = jc, store, journey_id


@pytest_asyncio.fixture
async def journey(local_env, task_queue) -> AsyncIterator[Journey]:
    settings = Settings(task_queue=task_queue, codec_enabled=False)
    store = InMemoryEventStore()
    activities = [RecordingActivities(store).record_events, *FakeOutsideWorld().activities()]
    jc = JourneyClient(local_env.client, settings)
    async with build_worker(local_env.client, settings, store, activities=activities):
        view = await jc.start(
            patient_ref=f"conc-{task_queue}",
            centre_id="pku",
            product=None,
            actor="ops:test",
            policy_overrides=NO_TIMERS,
            rules_edition=1,
        )
        yield Journey(jc, store, view.journey_id)


def records_received(documents: list[str], milestone_id: str = "shared-id"):
    return parse_milestone(
        {
            "kind": "records_received",
            "milestone_id": milestone_id,
            "occurred_at": datetime.now(UTC),
            "documents": documents,
        }
    )


async def test_the_same_milestone_sent_twenty_times_at_once_is_one_event_and_one_answer(journey):
    m = milestone(journey.id, 0)
    answers = await asyncio.gather(*[journey.jc.report(journey.id, m, "centre:pku") for _ in range(COPIES)])
    events = await assert_intact(journey.store, journey.id)

    assert all(a == answers[0] for a in answers), "every copy gets the first answer"
    assert answers[0].stage == "teleconsult"
    assert [e.kind for e in events].count("records_received") == 1
    figures = Figures("same milestone x20 concurrently", in_flight=1)
    figures.count({journey.id: events}, expected_steps=1)
    figures.notes = {"copies sent": COPIES, "events for it": 1}
    figures.show()
    assert figures.lost == 0 and figures.duplicated == 0


async def test_one_milestone_id_with_twenty_different_bodies_at_once_is_accepted_once(journey):
    bodies = [records_received([f"scan-{i}"]) for i in range(COPIES)]
    sends = [journey.jc.report(journey.id, b, "centre:pku") for b in bodies]
    results = await asyncio.gather(*sends, return_exceptions=True)
    events = await assert_intact(journey.store, journey.id)

    accepted = [i for i, r in enumerate(results) if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Refused)]
    assert len(accepted) == 1 and len(refused) == COPIES - 1, results
    assert {r.code for r in refused} == {"duplicate_milestone"}
    assert all("use a new milestone_id" in r.reason for r in refused)
    [recorded] = [e for e in events if e.kind == "records_received"]
    assert recorded.payload["documents"] == bodies[accepted[0]].documents


async def test_a_reused_milestone_id_is_refused_later_while_the_original_still_gets_its_answer(journey):
    original = records_received(["pathology"], milestone_id="m-later")
    first = await journey.jc.report(journey.id, original, "centre:pku")
    try:
        await journey.jc.report(journey.id, records_received(["imaging"], "m-later"), "centre:pku")
        raise AssertionError("a reused milestone_id with another body was accepted")
    except Refused as refusal:
        assert refusal.code == "duplicate_milestone"
    assert await journey.jc.report(journey.id, original, "centre:pku") == first
    events = await assert_intact(journey.store, journey.id)
    assert [e.kind for e in events].count("records_received") == 1
