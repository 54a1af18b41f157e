"""Session-wide Temporal environments; a fresh task queue per test keeps tests independent."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from journeys.search_attributes import SEARCH_ATTRIBUTES
from tests.helpers.servers import dev_server_path, test_server_path

# Tests run the workflow module in the strict sandbox (re-imported and checked in every
# workflow); production shares it (worker.sandbox_runner). Worker subprocesses inherit it.
os.environ.setdefault("JOURNEYS_STRICT_SANDBOX", "1")
# Settings default to production (fail closed); tests run as development unless they say otherwise.
os.environ.setdefault("JOURNEYS_ENVIRONMENT", "development")


@pytest_asyncio.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """Time-skipping server: a 12-month journey runs in about a second."""
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=test_server_path()
    ) as e:
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
