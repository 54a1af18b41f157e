"""The manager page shows who is under long-term surveillance and whose yearly check is overdue."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from domain import surveillance_rules as sr
from domain.surveillance import SurveillancePolicy
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.api.test_manager_page import signed_in
from tests.api.test_outages import dead_address
from tests.helpers.pathway import Pathway
from tests.helpers.surveillance import records

POLICY = SurveillancePolicy()


def under_surveillance(journey_id: str, missed: bool) -> tuple[Pathway, datetime]:
    p = Pathway().to_follow_up()
    assert p.state.infused_at
    for day in p.policy.follow_up_visit_days:
        p.now = p.state.infused_at + p.policy.days(day)
        p.report("follow_up_recorded", visit_day=day, response="CR")
    p.state = p.state.model_copy(update={"journey_id": journey_id})
    p.events[0] = p.events[0].model_copy(update={"journey_id": journey_id})
    p.apply(sr.handover(p.state, POLICY, p.now))
    sv = p.state.surveillance
    assert sv
    until = sv.due(2) + POLICY.days(POLICY.window_days + 1 if missed else -40)
    while (due := sr.next_deadline(p.state)) is not None and due.due_at <= until:
        p.now = due.due_at
        p.apply(sr.fire(p.state, due, p.now))
    return p, until


async def test_the_list_filters_and_flags_journeys_under_surveillance() -> None:
    store = InMemoryEventStore()
    late, now = under_surveillance("J1111111111111111", missed=True)
    on_time, _ = under_surveillance("J2222222222222222", missed=False)
    active = Pathway()
    for p in (late, on_time, active):
        await store.append(p.state.journey_id, records(p))
    settings = Settings()
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    app = create_app(settings, JourneyClient(client, settings), store, clock=lambda: now.astimezone(UTC))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui") as page:
        cookies = await signed_in(page)
        listed = (await page.get("/ui?surveillance=active", cookies=cookies)).text
        overdue = (await page.get("/ui?surveillance=active&overdue=yes", cookies=cookies)).text
        everyone = (await page.get("/ui", cookies=cookies)).text
    assert "J1111111111111111" in listed and "J2222222222222222" in listed and "J-test" not in listed
    assert "Surveillance · check" in listed
    assert "J1111111111111111" in overdue and "J2222222222222222" not in overdue
    assert 'href="/ui?surveillance=active"' in everyone
