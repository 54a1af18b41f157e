"""Schemathesis against /openapi.json: generated valid and invalid requests never get a 5xx.

The app runs under a real uvicorn on loopback (in the test's event loop, next to the
worker); Schemathesis's synchronous client runs in a thread so the loop keeps serving.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# free_port moved to conftest; still importable from here for tests that import it from this module.
from tests.api.conftest import TOKENS, Api
from tests.api.conftest import free_port as free_port

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


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


async def schema_and_journey(api: Api) -> tuple[dict[str, Any], str]:
    return api.app.openapi(), await api.start("pku")


# On a stack of its own (`fuzzed`): the journeys it starts would slow later time skips.
async def test_generated_requests_never_get_a_server_error(fuzzed: tuple[Api, str]) -> None:
    api, served = fuzzed
    schema, journey = await schema_and_journey(api)
    await asyncio.to_thread(fuzz, served, schema, journey, 150)


@pytest.mark.slow
async def test_a_larger_generated_budget_never_gets_a_server_error(fuzzed: tuple[Api, str]) -> None:
    api, served = fuzzed
    schema, journey = await schema_and_journey(api)
    await asyncio.to_thread(fuzz, served, schema, journey, 2000)
