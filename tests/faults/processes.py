"""Child processes a fault test can kill: a worker (`journeys worker`) and a Temporal dev server."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from journeys.search_attributes import SEARCH_ATTRIBUTES
from starter.stack import SA_TYPES
from tests.helpers.servers import dev_server_path

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """A test run killed by a timeout must not leave servers or workers behind (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


class Child:
    """One child process in its own session, logging to a file the test can read on failure."""

    def __init__(self, name: str, args: list[str], log: Path, env: dict[str, str] | None = None):
        self.name, self.args, self.log, self.env = name, args, log, env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.args,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        if self.alive:
            assert self.proc
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.alive:
            assert self.proc
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_process(log: Path, *, temporal: str, task_queue: str, database_url: str) -> Child:
    env = {
        **os.environ,
        "JOURNEYS_TEMPORAL_ADDRESS": temporal,
        "JOURNEYS_TASK_QUEUE": task_queue,
        "JOURNEYS_DATABASE_URL": database_url,
        "JOURNEYS_CODEC_ENABLED": "false",
        "JOURNEYS_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return Child("worker", [sys.executable, "-m", "starter.cli", "worker"], log, env)


async def until_worker_polls(worker: Child, client: Client, task_queue: str, within: float = 60) -> None:
    """A worker is ready once Temporal sees it polling our task queue."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not worker.alive:
            raise AssertionError(f"worker exited early:\n{worker.tail()}")
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        pid = str(worker.proc.pid) if worker.proc else "?"
        if any(p.identity.startswith(f"{pid}@") for p in answer.pollers):
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"worker never polled {task_queue}:\n{worker.tail()}")


def dev_server(log: Path, *, db_file: Path, port: int) -> Child:
    sa = [
        a for k in SEARCH_ATTRIBUTES for a in ("--search-attribute", f"{k.name}={SA_TYPES[k.indexed_value_type.name]}")
    ]
    args = [
        dev_server_path(),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--headless",
        "--log-level",
        "error",
        *sa,
    ]
    return Child("temporal", args, log)


async def until_server_answers(server: Child, address: str, within: float = 60) -> Client:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not server.alive:
            raise AssertionError(f"dev server exited:\n{server.tail()}")
        try:
            client = await Client.connect(address, data_converter=pydantic_data_converter)
            await client.workflow_service.get_system_info(GetSystemInfoRequest())
            return client
        except RuntimeError:
            await asyncio.sleep(0.3)
    raise AssertionError(f"dev server never answered on {address}:\n{server.tail()}")
