"""`journeys list`: the journey list from a running API with a token, or (`--database`) the event store."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import uvicorn
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.factory import open_store
from tests.api.conftest import free_port
from tests.api.scenarios import cohort, save
from tests.api.test_manager_page import FOLLOW_UP, IN_STAY, NOW
from tests.api.test_outages import dead_address


async def journeys(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "starter.cli",
        "list",
        *args,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_list_reads_the_projection_rows_from_the_event_store(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/events.db"
    store = await open_store(db)
    await save(store, cohort(NOW))
    await store.close()
    code, out, err = await journeys("--database", "--stage", "stay", "--json", env={"JOURNEYS_DATABASE_URL": db})
    assert code == 0, err
    assert [row["journey_id"] for row in json.loads(out)["journeys"]] == [IN_STAY]
    code, out, _ = await journeys("--database", "--overdue", env={"JOURNEYS_DATABASE_URL": db})
    assert code == 0 and FOLLOW_UP in out and IN_STAY not in out
    code, _, err = await journeys("--database", "--cursor", "nonsense", env={"JOURNEYS_DATABASE_URL": db})
    assert code == 2 and "cursor" in err


async def test_list_can_ask_a_running_api_with_a_token(tmp_path: Path) -> None:
    store = await open_store("memory:")
    await save(store, cohort(NOW))
    settings = Settings()
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, JourneyClient(client, settings), store),
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.02)
    try:
        url = f"http://127.0.0.1:{port}"
        code, out, err = await journeys("--api", url, "--token", "dev-fuda", "--json")
        assert code == 0, err
        assert {row["centre_id"] for row in json.loads(out)["journeys"]} == {"fuda"}
        code, _, err = await journeys("--api", url, "--token", "wrong", "--json")
        assert code == 7 and "unauthenticated" in err and "unknown or revoked token" in err
    finally:
        server.should_exit = True
        await task
