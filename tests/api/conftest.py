"""The API against a real worker on the time-skipping server and a real SQLite event store.

One worker and one app serve the whole session; every test starts its own
journeys with fresh patient references, so tests never share a journey.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.recording import RecordingActivities
from api import create_app
from journeys.client import JourneyClient
from journeys.settings import Settings
from journeys.temporal import workflow_id
from store.base import JourneyNotFound as NotInStore
from store.base import JourneyStore
from store.factory import open_store
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.servers import start_time_skipping
from worker import build_worker

TOKENS = {
    "ops": "dev-ops",
    "manager": "dev-manager",
    "pku": "dev-pku",
    "fuda": "dev-fuda",
    "jiahui": "dev-jiahui",
    "bad": "not-a-token",
}


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Api:
    """An HTTP client for the app plus what tests need to look behind it."""

    app: FastAPI
    http: httpx.AsyncClient
    store: JourneyStore
    env: WorkflowEnvironment
    settings: Settings

    async def call(self, method: str, path: str, as_: str | None = "ops", **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if as_ is not None:
            headers["Authorization"] = f"Bearer {TOKENS[as_]}"
        return await self.http.request(method, path, headers=headers, **kw)

    async def start(self, centre: str = "pku", product: str | None = None) -> str:
        body = {"patient_ref": f"t-{uuid.uuid4().hex[:12]}", "centre_id": centre}
        if product:
            body["product"] = product
        r = await self.call("POST", "/v1/journeys", json=body)
        assert r.status_code == 201, r.text
        journey_id: str = r.json()["journey_id"]
        await self.settle(journey_id)
        return journey_id

    async def milestone(
        self,
        journey_id: str,
        kind: str,
        as_: str | None = None,
        milestone_id: str | None = None,
        **fields: Any,
    ) -> httpx.Response:
        body = {
            "kind": kind,
            "milestone_id": milestone_id or uuid.uuid4().hex,
            "occurred_at": now_iso(),
            **fields,
        }
        who = as_ or ("ops" if kind == "estimate_accepted" else "pku")
        return await self.call("POST", f"/v1/journeys/{journey_id}/milestones", who, json=body)

    async def ok(self, journey_id: str, kind: str, as_: str | None = None, **fields: Any) -> dict[str, Any]:
        r = await self.milestone(journey_id, kind, as_, **fields)
        assert r.status_code == 200, r.text
        await self.settle(journey_id)
        return r.json()  # type: ignore[no-any-return]

    async def to_infusion(self, journey_id: str, coi: str = "COI-API-1", centre: str = "pku") -> None:
        await self.ok(journey_id, "records_received", centre)
        await self.ok(journey_id, "teleconsult_completed", centre, outcome="proceed")
        await self.ok(
            journey_id,
            "eligibility_decided",
            centre,
            eligible=True,
            product="axi-cel",
            estimate_usd=90000,
        )
        await self.ok(journey_id, "estimate_accepted", "ops")
        # The deposit (0.30 of the estimate) before admission, as the hub's policy asks.
        await self.ok(journey_id, "payment_received", "ops", amount="27000.00", currency="USD")
        await self.ok(journey_id, "patient_admitted", centre)
        await self.ok(journey_id, "apheresis_completed", centre, coi=coi)
        await self.ok(journey_id, "product_released", centre, coi=coi, lot="LOT-1")

    async def events(self, journey_id: str) -> list[Any]:
        return await self.store.read(journey_id)

    async def count(self, journey_id: str) -> int:
        try:
            return len(await self.store.read(journey_id))
        except NotInStore:
            return 0

    async def settle(self, journey_id: str) -> int:
        """Wait until effects (bookings) stop adding events, so counts before and after compare."""
        last, stable = -1, 0
        for _ in range(400):
            count = await self.count(journey_id)
            stable = stable + 1 if count == last else 0
            if stable >= 4:
                return count
            last = count
            await asyncio.sleep(0.05)
        raise AssertionError(f"journey {journey_id} never settled")

    async def closed(self, journey_id: str) -> None:
        handle = self.env.client.get_workflow_handle(workflow_id(journey_id))
        for _ in range(400):
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"journey {journey_id} did not close")


def api_settings(task_queue: str) -> Settings:
    # The time-skipping server has no custom search attributes.
    return Settings(task_queue=task_queue, search_attributes=False, environment="development")


@pytest_asyncio.fixture(scope="session")
async def api_store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[JourneyStore]:
    path: Path = tmp_path_factory.mktemp("api-store") / "events.db"
    store = await open_store(f"sqlite+aiosqlite:///{path}")
    yield store
    await store.close()


@pytest_asyncio.fixture(scope="session")
async def api_env() -> AsyncIterator[WorkflowEnvironment]:
    """The API tests' own time-skipping server, served by the `api` worker for the whole session."""
    async with await start_time_skipping() as e:
        yield e


@pytest_asyncio.fixture(scope="session")
async def api(api_env: WorkflowEnvironment, api_store: JourneyStore) -> AsyncIterator[Api]:
    env = api_env
    settings = api_settings(f"api-{uuid.uuid4().hex[:8]}")
    world = FakeOutsideWorld()
    worker = build_worker(
        env.client,
        settings,
        api_store,
        task_queue=settings.task_queue,
        activities=[RecordingActivities(api_store).record_events, *world.activities()],
    )
    async with worker:
        app = create_app(settings, JourneyClient(env.client, settings), api_store)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
            yield Api(app, http, api_store, env, settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture(scope="module")
async def served(api: Api) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(api.app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest_asyncio.fixture(scope="module")
async def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Api, str]]:
    """A stack of its own (time-skipping server, worker, store, app on a port): the run starts
    hundreds of journeys, whose timers would slow every later time skip on the API tests' server."""
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzzed') / 'events.db'}")
    settings = api_settings(f"fuzzed-{uuid.uuid4().hex[:8]}")
    async with await start_time_skipping() as env:
        worker = build_worker(
            env.client,
            settings,
            store,
            task_queue=settings.task_queue,
            activities=[RecordingActivities(store).record_events, *FakeOutsideWorld().activities()],
        )
        async with worker:
            app = create_app(settings, JourneyClient(env.client, settings), store)
            port = free_port()
            server = uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")
            )
            task = asyncio.create_task(server.serve())
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
                await asyncio.sleep(0.02)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
                yield Api(app, http, store, env, settings), f"http://127.0.0.1:{port}"
            server.should_exit = True
            await task
    await store.close()
