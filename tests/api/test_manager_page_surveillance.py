"""The manager page shows who is under long-term surveillance and whose yearly check is overdue."""

from __future__ import annotations

from datetime import UTC

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.api.test_manager_page import signed_in
from tests.api.test_outages import dead_address
from tests.helpers.pathway import Pathway
from tests.helpers.surveillance import records, under_surveillance


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
