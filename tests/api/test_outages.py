"""Temporal or the event store unreachable: a 503 with a reason, and reads served from the log."""

from __future__ import annotations

import socket
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from journeys.client import JourneyClient
from store.base import StoreUnavailable
from tests.api.conftest import Api, now_iso


def dead_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


async def test_with_temporal_unreachable_writes_are_503_and_reads_come_from_the_event_log(
    api: Api,
) -> None:
    journey = await api.start()
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    app = create_app(api.settings, JourneyClient(client, api.settings), api.store)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://api",
        headers={"Authorization": "Bearer dev-ops"},
    ) as http:
        start = await http.post("/v1/journeys", json={"patient_ref": "down-1", "centre_id": "pku"})
        assert start.status_code == 503 and start.json()["code"] == "unavailable"
        assert "Temporal" in start.json()["reason"] and start.headers["retry-after"]
        report = await http.post(
            f"/v1/journeys/{journey}/milestones",
            headers={"Authorization": "Bearer dev-pku"},
            json={"kind": "records_received", "milestone_id": "d1", "occurred_at": now_iso()},
        )
        assert report.status_code == 503
        read = await http.get(f"/v1/journeys/{journey}")
        assert read.status_code == 200
        assert read.json()["source"] == "event_log" and read.json()["stage"] == "records"
        assert (await http.get("/v1/journeys")).status_code == 200
        assert (await http.get("/healthz")).json()["temporal"] == "unreachable"
    assert await api.count(journey) == 1


class DownStore:
    async def list_journeys(self, **kw: Any) -> Any:
        raise StoreUnavailable("connection refused")

    async def get_row(self, journey_id: str) -> Any:
        raise StoreUnavailable("connection refused")

    async def read(self, journey_id: str) -> Any:
        raise StoreUnavailable("connection refused")


async def test_with_the_event_store_down_reads_are_503_with_a_reason(api: Api) -> None:
    app = create_app(api.settings, JourneyClient(api.env.client, api.settings), DownStore())  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://api",
        headers={"Authorization": "Bearer dev-manager"},
    ) as http:
        for path in (
            "/v1/journeys",
            "/v1/journeys/J0123456789abcdef",
            "/v1/journeys/J0123456789abcdef/history",
        ):
            r = await http.get(path)
            assert r.status_code == 503 and "event store" in r.json()["reason"], (path, r.text)
