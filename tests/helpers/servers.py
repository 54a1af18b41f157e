"""Paths of the Temporal servers that ship as wheels: nothing is downloaded at test time."""

import shutil
import sys
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found; install the project with its test extras")
    return found


def dev_server_path() -> str:
    return _bin("temporal")


def test_server_path() -> str:
    return _bin("temporal-test-server")


async def start_time_skipping() -> WorkflowEnvironment:
    """A time-skipping test server of its own (about 0.1 s to start).

    The server stops skipping time while any workflow or activity task is outstanding.
    A workflow left behind by a test whose worker has stopped (a journey's reminder, an
    abandoned surveillance child) schedules a task when a later skip reaches its timer,
    and that task locks skipping for good: on a shared server every later test then
    sleeps in real time until its RPC times out. So no two tests share one.
    """
    return await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=test_server_path()
    )
