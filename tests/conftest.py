"""Temporal environments: a time-skipping server per test, one real dev server per session
(a fresh task queue per test keeps its tests independent)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from journeys.search_attributes import SEARCH_ATTRIBUTES
from tests.helpers.servers import dev_server_path, start_time_skipping

# Tests run the workflow module in the strict sandbox (re-imported and checked in every
# workflow); production shares it (worker.sandbox_runner). Worker subprocesses inherit it.
os.environ.setdefault("JOURNEYS_STRICT_SANDBOX", "1")
# Settings default to production (fail closed); tests run as development unless they say otherwise.
os.environ.setdefault("JOURNEYS_ENVIRONMENT", "development")


@pytest_asyncio.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """Time-skipping server: a 12-month journey runs in about a second. One per test, so
    nothing a test leaves running can stop time skipping in another (see start_time_skipping)."""
    async with await start_time_skipping() as e:
        yield e


@pytest_asyncio.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    """Real dev server, for what the time-skipping server lacks (continue-as-new, update-with-start)."""
    async with await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=dev_server_path(),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
    ) as e:
        yield e


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"
