"""Worker memory per open journey, and what the sandbox pass-through saves.

The worker runs as its own process, exactly as deployed (`python -m starter.cli worker`
with `JOURNEYS_*` settings), and psutil reads its resident set size. Journeys are
started through `JourneyClient.start`, which reads the journey back, so the worker has
run each one's first task (event recorded, search attributes set) before the next
reading. Each journey then waits in `records` under the default policy (days are days).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
from temporalio.api.enums.v1 import EventType, TimeoutType
from temporalio.client import Client

from bench.careless_workflow import CarelessWorkflow
from bench.common import stopwatch
from bench.sandbox_worker import UNPASSED
from domain.actors import Actor
from journeys.client import JourneyClient
from journeys.settings import Settings
from journeys.temporal import connect, workflow_id

MIB = 2**20


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = open(log, "wb")  # noqa: SIM115 - handed to the child, closed with it
    return subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=out,
        stderr=subprocess.STDOUT,
    )


async def _settled_rss(proc: psutil.Process, settle_s: float) -> int:
    """RSS once it stops moving (the worker finishes its last tasks and frees buffers)."""
    await asyncio.sleep(settle_s)
    last = int(proc.memory_info().rss)
    for _ in range(20):
        await asyncio.sleep(1)
        now = int(proc.memory_info().rss)
        if abs(now - last) < MIB:
            return now
        last = now
    return last


async def _start_many(
    n: int, concurrency: int, one: Callable[[], Awaitable[object]], ids: list[Any] | None = None
) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> None:
        async with gate:
            got = await one()
            if ids is not None:
                ids.append(got)

    started = time.perf_counter()
    await asyncio.gather(*(gated() for _ in range(n)))
    return time.perf_counter() - started


async def task_timeouts(client: Client, journey_ids: list[str], concurrency: int = 32) -> dict[str, int]:
    """Workflow task timeouts and failures in these workflows' histories (each one read)."""
    gate = asyncio.Semaphore(concurrency)
    counts = {
        "histories": 0,
        "workflow_task_timed_out": 0,
        "workflow_task_failed": 0,
        "start_to_close": 0,
        "schedule_to_start": 0,
    }

    async def one(wid: str) -> None:
        async with gate:
            history = await client.get_workflow_handle(workflow_id(wid)).fetch_history()
        counts["histories"] += 1
        for e in history.events:
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                counts["workflow_task_timed_out"] += 1
                # Start-to-close: the worker held the task 10 s. Schedule-to-start: a task on
                # this worker's sticky queue waited 10 s, then went to the shared queue.
                kind = e.workflow_task_timed_out_event_attributes.timeout_type
                counts[
                    "schedule_to_start" if kind == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START else "start_to_close"
                ] += 1
            elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                counts["workflow_task_failed"] += 1

    await asyncio.gather(*(one(j) for j in journey_ids))
    return counts


def _settings(
    address: str, workdir: Path, cache: int, extra: dict[str, str] | None = None
) -> tuple[Settings, dict[str, str]]:
    queue = f"mem-{uuid.uuid4().hex[:6]}"
    db = f"sqlite+aiosqlite:///{workdir}/{queue}.db"
    env = {
        "JOURNEYS_TEMPORAL_ADDRESS": address,
        "JOURNEYS_TASK_QUEUE": queue,
        "JOURNEYS_DATABASE_URL": db,
        "JOURNEYS_MAX_CACHED_WORKFLOWS": str(cache),
        "JOURNEYS_LOG_LEVEL": "WARNING",
        **(extra or {}),
    }
    return Settings(temporal_address=address, task_queue=queue, database_url=db), env


async def _wait_ready(proc: subprocess.Popen[bytes], journeys: JourneyClient) -> None:
    # The first start waits in the task queue until the worker polls it.
    task = asyncio.create_task(_open_journey(journeys))
    while not task.done():
        if proc.poll() is not None:
            task.cancel()
            raise RuntimeError(f"the worker exited with {proc.returncode}")
        await asyncio.sleep(0.2)
    await task


async def _open_journey(journeys: JourneyClient) -> str:
    view = await journeys.start(
        patient_ref=f"mem-{uuid.uuid4().hex}", centre_id="pku", product=None, actor=Actor.ops("bench")
    )
    return view.journey_id


async def per_open_journey(
    address: str,
    workdir: Path,
    *,
    counts: list[int],
    cache: int,
    concurrency: int = 32,
    warmup: int = 50,
    settle_s: float = 3.0,
    env_extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    settings, env = _settings(address, workdir, cache, env_extra)
    proc = _spawn(["-m", "starter.cli", "worker"], env, workdir / f"{settings.task_queue}.log")
    try:
        client = await connect(settings)
        journeys = JourneyClient(client, settings)
        await _wait_ready(proc, journeys)
        ps = psutil.Process(proc.pid)
        await _start_many(warmup, concurrency, lambda: _open_journey(journeys))
        base = await _settled_rss(ps, settle_s)
        rows, opened = [], 0
        ids: list[str] = []
        for count in sorted(counts):
            took = await _start_many(count - opened, concurrency, lambda: _open_journey(journeys), ids)
            started, opened = count - opened, count
            rss = await _settled_rss(ps, settle_s)
            growth = rss - base
            rows.append(
                {
                    "open_journeys": count,
                    "cached": min(count + warmup, cache),
                    "rss_mib": round(rss / MIB, 1),
                    "growth_mib": round(growth / MIB, 1),
                    "kib_per_open_journey": round(growth / count / 1024, 1),
                    "kib_per_cached_workflow": round(growth / min(count, cache) / 1024, 1),
                    "starts_per_s": round(started / took, 1),
                }
            )
        # Held, not just started: every open journey's history is read for a workflow
        # task that timed out (the worker too busy to answer within 10 s) or failed, and
        # a sample of journeys long evicted from the cache is asked for its view (a
        # replay of its history on the worker).
        evicted = ids[: min(200, max(0, len(ids) - cache))]
        gate = asyncio.Semaphore(concurrency)

        async def view(journey_id: str) -> None:
            async with gate:
                await journeys.view(journey_id)

        with stopwatch() as took_q:
            await asyncio.gather(*(view(j) for j in evicted))
        return {
            "max_cached_workflows": cache,
            "warmup_journeys": warmup,
            "baseline_rss_mib": round(base / MIB, 1),
            "points": rows,
            "held": {
                **await task_timeouts(client, ids),
                "evicted_views_read": len(evicted),
                "evicted_view_ms": round(took_q[0] / max(1, len(evicted)) * 1000, 1),
            },
        }
    finally:
        proc.terminate()
        proc.wait(30)


async def sandbox_passthrough(
    address: str, workdir: Path, *, workflows: int, bad_workflows: int, settle_s: float = 3.0
) -> dict[str, Any]:
    """RSS per cached workflow under the worker's sandbox, the tests' strict one and a bad one.

    Under the bad list every careless workflow re-imports SQLAlchemy in its sandbox,
    which takes seconds of CPU each, so that run starts fewer of them, two at a time.
    """
    out: dict[str, Any] = {"unpassed_modules": list(UNPASSED)}
    for runner, n in (("production", workflows), ("strict", workflows), ("bad", bad_workflows)):
        out[runner] = await _sandbox_run(address, workdir, runner, n, settle_s)
    return out


async def _sandbox_run(address: str, workdir: Path, runner: str, n: int, settle_s: float) -> dict[str, Any]:
    settings, env = _settings(address, workdir, max(1000, 2 * n + 100))
    proc = _spawn(["-m", "bench.sandbox_worker", runner], env, workdir / f"{settings.task_queue}.log")
    try:
        client = await connect(settings)
        journeys = JourneyClient(client, settings)
        await _wait_ready(proc, journeys)
        ps = psutil.Process(proc.pid)

        async def careless() -> None:
            handle = await client.start_workflow(
                CarelessWorkflow.run, id=f"careless-{uuid.uuid4().hex}", task_queue=settings.task_queue
            )
            await handle.query(CarelessWorkflow.waiting, rpc_timeout=timedelta(minutes=5))

        await _start_many(5, 5, lambda: _open_journey(journeys))
        await _start_many(2, 2, careless)
        r0 = await _settled_rss(ps, settle_s)
        j_took = await _start_many(n, 2, lambda: _open_journey(journeys))
        r1 = await _settled_rss(ps, settle_s)
        c_took = await _start_many(n, 2, careless)
        r2 = await _settled_rss(ps, settle_s)
        return {
            "workflows_each": n,
            "journey_kib_per_workflow": round((r1 - r0) / n / 1024, 1),
            "journey_ms_per_start": round(j_took / n * 1000, 1),
            "careless_kib_per_workflow": round((r2 - r1) / n / 1024, 1),
            "careless_ms_per_start": round(c_took / n * 1000, 1),
            "rss_mib": round(r2 / MIB, 1),
        }
    finally:
        proc.terminate()
        proc.wait(30)
