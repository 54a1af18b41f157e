"""`/livez` answers while the process runs; `/readyz` says whether Temporal and the event store do."""

from __future__ import annotations

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from journeys.client import JourneyClient
from tests.api.conftest import Api
from tests.api.test_outages import DownStore, dead_address


async def test_live_and_ready_with_temporal_and_the_store_up(api: Api) -> None:
    assert (await api.call("GET", "/livez", None)).json() == {"status": "ok"}
    ready = await api.call("GET", "/readyz", None)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "temporal": "ok", "database": "ok"}


async def test_not_ready_names_what_is_down_but_stays_live(api: Api) -> None:
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    for journeys_client, reader, down in [
        (JourneyClient(client, api.settings), api.store, "temporal"),
        (api.app.state.journeys, DownStore(), "database"),
    ]:
        app = create_app(api.settings, journeys_client, reader)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
            assert (await http.get("/livez")).status_code == 200
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["status"] == "not_ready" and ready.json()[down] == "unreachable"
