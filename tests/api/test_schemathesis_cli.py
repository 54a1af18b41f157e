"""The partner's view: `schemathesis run --checks all` against the published schema.

Exactly what an integrator runs (the CLI, every check, the examples, coverage, fuzzing
and stateful phases), once with an ops token and once with a centre token, against the
app served by uvicorn next to a real worker. Any failure (a 5xx, a schema-valid request
refused, an invalid one accepted, a response off its schema) fails the test with the
CLI's own report.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.recording import RecordingActivities
from api import create_app
from journeys.client import JourneyClient
from store.factory import open_store
from tests.api.conftest import TOKENS, Api, api_settings, free_port
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.servers import test_server_path
from worker import build_worker

PHASES = "examples,coverage,fuzzing,stateful"
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Per operation and phase; enough to reach every branch of the schema in a few minutes.
MAX_EXAMPLES = 25


@pytest_asyncio.fixture(scope="module")
async def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Api, str]]:
    """A stack of its own (time-skipping server, worker, store, app on a port): the run starts
    hundreds of journeys, whose timers would slow every later time skip on the shared server."""
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzzed') / 'events.db'}")
    settings = api_settings(f"fuzzed-{uuid.uuid4().hex[:8]}")
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=test_server_path()
    ) as env:
        worker = build_worker(env.client, settings, store, task_queue=settings.task_queue,
                              activities=[RecordingActivities(store).record_events,
                                          *FakeOutsideWorld().activities()])
        async with worker:
            app = create_app(settings, JourneyClient(env.client, settings), store)
            port = free_port()
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                                   access_log=False, lifespan="off"))
            task = asyncio.create_task(server.serve())
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
                await asyncio.sleep(0.02)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
                yield Api(app, http, store, env, settings), f"http://127.0.0.1:{port}"
            server.should_exit = True
            await task
    await store.close()


async def run_schemathesis(base_url: str, token: str, report: Path, max_examples: int) -> tuple[int, str]:
    cli = Path(sys.executable).parent / "schemathesis"
    proc = await asyncio.create_subprocess_exec(
        str(cli), "--config-file", str(CONFIG), "run", f"{base_url}/openapi.json",
        "--checks", "all",
        "--phases", PHASES,
        "--max-examples", str(max_examples),
        "--seed", "1",
        "--workers", "1",
        "--no-shrink",
        "--request-timeout", "30",
        "--header", f"Authorization: Bearer {token}",
        "--report", "json", "--report-json-path", str(report),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        cwd=report.parent,  # its cache of found failures stays out of the work tree
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


# Until the codec bodies' base64 schema (security) and the surveillance check's if/then (interop) land.
PENDING = pytest.mark.xfail(reason="schema fixes pending on other branches", strict=False)


def failures(output: str) -> str:
    """The CLI's failure report, each line cut short (generated bodies can be kilobytes)."""
    start = output.find("=== FAILURES ===")
    return "\n".join(line[:300] for line in output[max(start - 40, 0):].splitlines())


@PENDING
@pytest.mark.parametrize("role", ["ops", "pku"])
async def test_schemathesis_with_every_check_finds_nothing(
    fuzzed: tuple[Api, str], role: str, tmp_path: Path
) -> None:
    api, served = fuzzed
    await api.start("pku")  # something to list and read
    code, output = await run_schemathesis(served, TOKENS[role], tmp_path / "report.json", MAX_EXAMPLES)
    (tmp_path / "output.txt").write_text(output)
    assert code == 0, failures(output)
    summary = json.loads((tmp_path / "report.json").read_text())
    assert summary, output
