"""Schemathesis against /openapi.json: generated valid and invalid requests never get a 5xx.

The app runs under a real uvicorn on loopback (in the test's event loop, next to the
worker); Schemathesis's synchronous client runs in a thread so the loop keeps serving.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import TOKENS, Api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture(scope="module")
async def served(api: Api) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            api.app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def fuzz(base_url: str, schema: dict[str, Any], journey_id: str, examples: int) -> None:
    loaded = schemathesis.openapi.from_dict(schema)
    cases = st.one_of(
        loaded.as_strategy(GenerationMode.POSITIVE),
        loaded.as_strategy(GenerationMode.NEGATIVE),
        # A real journey too, so the deeper paths (locate, rules) are reached, not only 404s.
        loaded.as_strategy(GenerationMode.POSITIVE, path_parameters={"journey_id": journey_id}),
        loaded.as_strategy(GenerationMode.NEGATIVE, path_parameters={"journey_id": journey_id}),
    )
    roles = st.sampled_from(["ops", "manager", "pku", "fuda"])

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, role=roles)
    def run(case: Any, role: str) -> None:
        headers = {"Authorization": f"Bearer {TOKENS[role]}"}
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


async def schema_and_journey(api: Api, base_url: str) -> tuple[dict[str, Any], str]:
    return api.app.openapi(), await api.start("pku")


async def test_generated_requests_never_get_a_server_error(api: Api, served: str) -> None:
    schema, journey = await schema_and_journey(api, served)
    await asyncio.to_thread(fuzz, served, schema, journey, 150)


@pytest.mark.slow
async def test_a_larger_generated_budget_never_gets_a_server_error(api: Api, served: str) -> None:
    schema, journey = await schema_and_journey(api, served)
    await asyncio.to_thread(fuzz, served, schema, journey, 2000)
