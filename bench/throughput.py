"""Complete journeys per second next to the bare-Temporal baseline, on one server, in one run.

Journeys go through `JourneyClient` (as the API and the CLI do) with the production
worker: payload codec on, SQLite event store, sandbox with our pass-through. The
baseline (`bench/baseline.py`) gets the shape counted from a warm-up journey's history
and is driven the same way: start, one query, each update in turn, wait for the result.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Worker

from bench import pathway
from bench.baseline import BaselineWorkflow, Shape, fired_timers, noop, shape_of
from bench.common import load, ratio, stopwatch
from journeys.client import JourneyClient
from journeys.settings import Settings
from journeys.temporal import connect, workflow_id
from store.factory import open_store
from worker import build_worker


def _cpu_seconds() -> dict[str, float]:
    """CPU used so far by this process (client and worker) and by the dev server it started."""
    me = psutil.Process()
    servers = [c for c in me.children(recursive=True) if c.name() == "temporal"]
    return {"bench_process": sum(me.cpu_times()[:2]), "dev_server": sum(sum(c.cpu_times()[:2]) for c in servers)}


async def _drive(
    n: int, concurrency: int, one: Callable[[], Awaitable[str]]
) -> tuple[float, list[str], dict[str, float]]:
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> str:
        async with gate:
            return await one()

    cpu = _cpu_seconds()
    with stopwatch() as took:
        ids = await asyncio.gather(*(gated() for _ in range(n)))
    used = {k: v - cpu[k] for k, v in _cpu_seconds().items()}
    return took[0], list(ids), used


async def run_baseline(client: Client, task_queue: str, shape: Shape) -> str:
    wid = f"baseline-{uuid.uuid4().hex[:12]}"
    handle = await client.start_workflow(BaselineWorkflow.run, shape, id=wid, task_queue=task_queue)
    await handle.query(BaselineWorkflow.current)  # JourneyClient.start reads the view back too
    for i in range(shape.updates):
        await handle.execute_update(BaselineWorkflow.step, i, id=f"step-{i}")
    await handle.result()
    return wid


async def histories(client: Client, ids: list[str]) -> list[WorkflowHistory]:
    gate = asyncio.Semaphore(16)

    async def one(wid: str) -> WorkflowHistory:
        async with gate:
            return await client.get_workflow_handle(wid).fetch_history()

    return list(await asyncio.gather(*(one(w) for w in ids)))


async def measure(
    address: str,
    workdir: Path,
    *,
    journeys: int,
    concurrency: int,
    day_seconds: float,
    rounds: int = 1,
    codec: bool = True,
) -> dict[str, Any]:
    """Returns the figures plus the captured histories (key `histories`, not for the JSON)."""
    settings = Settings(
        temporal_address=address,
        task_queue=f"bench-{uuid.uuid4().hex[:6]}",
        database_url=f"sqlite+aiosqlite:///{workdir}/events-{uuid.uuid4().hex[:6]}.db",
        codec_enabled=codec,
    )
    client = await connect(settings)
    bare = await Client.connect(address)
    store = await open_store(settings.database_url)
    baseline_queue = settings.task_queue + "-baseline"
    journey_worker = build_worker(client, settings, store)
    baseline_worker = Worker(
        bare,
        task_queue=baseline_queue,
        workflows=[BaselineWorkflow],
        activities=[noop],
        max_cached_workflows=settings.max_cached_workflows,
    )
    jc = JourneyClient(client, settings)
    load_before = load()
    try:
        async with journey_worker, baseline_worker:
            # Warm-up, and the shape the baseline must match, from a real journey's history.
            warm = await pathway.complete(jc, day_seconds)
            shape = shape_of(await jc.handle(warm).fetch_history())
            warm_base = await run_baseline(bare, baseline_queue, shape)
            base_shape = shape_of(await bare.get_workflow_handle(warm_base).fetch_history())
            times = {"journey": 0.0, "baseline": 0.0}
            cpu: dict[str, dict[str, float]] = {"journey": {}, "baseline": {}}
            ids: dict[str, list[str]] = {"journey": [], "baseline": []}
            per_round = max(1, journeys // rounds)
            for r in range(rounds):
                # Alternate which goes first so drift in the machine's load hits both alike.
                order = ["baseline", "journey"] if r % 2 == 0 else ["journey", "baseline"]
                for which in order:
                    one = (
                        partial(pathway.complete, jc, day_seconds)
                        if which == "journey"
                        else partial(run_baseline, bare, baseline_queue, shape)
                    )
                    took, got, used = await _drive(per_round, concurrency, one)
                    times[which] += took
                    for k, v in used.items():
                        cpu[which][k] = cpu[which].get(k, 0.0) + v
                    ids[which] += got
            journey_h = await histories(client, [workflow_id(j) for j in ids["journey"]])
            baseline_h = await histories(bare, ids["baseline"])
    finally:
        await store.close()
    done = len(ids["journey"])
    j_rate, b_rate = done / times["journey"], len(ids["baseline"]) / times["baseline"]
    return {
        "journeys": done,
        "concurrency": concurrency,
        "rounds": rounds,
        "day_seconds": day_seconds,
        "codec": codec,
        "journey_shape": asdict(shape),
        "baseline_shape": asdict(base_shape),
        "history_events_per_journey": len(journey_h[0].events),
        "history_events_per_baseline": len(baseline_h[0].events),
        "timers_fired": sum(fired_timers(h) for h in journey_h),
        "journey_seconds": round(times["journey"], 2),
        "baseline_seconds": round(times["baseline"], 2),
        "journeys_per_s": round(j_rate, 2),
        "baseline_per_s": round(b_rate, 2),
        "ratio": ratio(j_rate, b_rate),
        # CPU seconds per journey: what the 2 cores pay, split between us and the server.
        "cpu_ms_per_journey": {k: round(v / done * 1000) for k, v in cpu["journey"].items()},
        "cpu_ms_per_baseline": {k: round(v / len(ids["baseline"]) * 1000) for k, v in cpu["baseline"].items()},
        "load_before": load_before,
        "load_after": load(),
        "histories": {"journey": journey_h, "baseline": baseline_h},
    }
