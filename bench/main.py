"""`journeys bench` / `python -m bench`: every benchmark in one run, on this machine.

Starts its own Temporal dev servers (in memory, then on an SQLite file), and reports
throughput against a bare-Temporal baseline, milestone latency, worker memory per
open journey, replay speed, event-store appends and the manager's list query at
100,000 journeys, side by side. Prints a table, writes bench/results/latest.json.
Asserts nothing: the goals are printed next to the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from bench import api_bench, memory, reads, replay, report, scaleout, store_bench, throughput
from bench.common import RESULTS, load, machine, summary
from journeys.logs import configure
from journeys.search_attributes import SEARCH_ATTRIBUTES
from tests.helpers.servers import dev_server_path

SECTIONS = ("throughput", "latency", "memory", "scaleout", "replay", "store", "reads")
QUICK = {
    "journeys": 10,
    "concurrency": 5,
    "latency_samples": 30,
    "latency_journeys": 2,
    "memory_counts": "100,300",
    "max_cached": 100,
    "sandbox_workflows": 30,
    "sandbox_bad_workflows": 3,
    "store_journeys": 16,
    "store_per_journey": 10,
    "store_rounds": 1,
    "list_rows": 5000,
    "list_samples": 20,
    "servers": "memory",
    "scaleout_journeys": 8,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="journeys bench", description=(__doc__ or "").split("\n")[0])
    a = p.add_argument
    a("--quick", action="store_true", help="small numbers everywhere: a smoke run of every section")
    a("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {','.join(SECTIONS)}")
    a(
        "--servers",
        default="memory,sqlite",
        help="dev servers for throughput and latency: memory, sqlite (file) or both",
    )
    a("--journeys", type=int, default=200, help="complete journeys (and baselines) per server")
    a("--concurrency", type=int, default=16, help="journeys driven at once")
    a("--rounds", type=int, default=2, help="alternate journeys and baseline this many times")
    a("--day-seconds", type=float, default=60.0, help="length of a policy day in the throughput run")
    a("--latency-samples", type=int, default=300, help="round trips per path")
    a("--latency-journeys", type=int, default=6, help="journeys the latency samples rotate over")
    a("--memory-counts", default="1000,10000", help="open journeys at which RSS is read")
    a("--max-cached", type=int, default=1000, help="worker max_cached_workflows for memory")
    a("--sandbox-workflows", type=int, default=300, help="workflows per sandbox run (worker's and strict)")
    a("--sandbox-bad-workflows", type=int, default=10, help="workflows in the bad-list run")
    a(
        "--scaleout-journeys",
        type=int,
        default=120,
        help="journeys per worker count in the scale-out run (dev server on an SQLite file)",
    )
    a("--replay-repeat", type=int, default=1, help="replay each captured history this many times")
    a("--store-journeys", type=int, default=160, help="journeys per event-store run")
    a("--store-per-journey", type=int, default=20, help="events per journey in the store run")
    a("--store-rounds", type=int, default=3, help="interleaved rounds of the store run (best kept)")
    a(
        "--sqlite-only",
        default="throughput,latency,scaleout",
        help="sections that run again on the SQLite-file dev server (scale-out runs only there)",
    )
    a("--no-eager", action="store_true", help="dev servers without eager activity execution (the server's default)")
    a("--no-postgres", action="store_true", help="skip PostgreSQL (store and reads)")
    a("--list-rows", type=int, default=100_000, help="projection rows for the list query")
    a("--list-samples", type=int, default=200, help="list queries per case")
    a("--out", type=Path, default=RESULTS / "latest.json", help="where the JSON goes")
    return p


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = parser()
    args = p.parse_args(argv)
    if args.quick:
        given = {
            a.split("=")[0].lstrip("-").replace("-", "_")
            for a in (sys.argv[1:] if argv is None else argv)
            if a.startswith("--")
        }
        for key, value in QUICK.items():
            if key not in given:
                setattr(args, key, value)
    args.only = [s for s in args.only.split(",") if s]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}; choose from {','.join(SECTIONS)}")
    args.servers = [s for s in args.servers.split(",") if s]
    args.sqlite_only = [s for s in args.sqlite_only.split(",") if s]
    if set(args.servers) - {"memory", "sqlite"}:
        p.error("--servers takes memory, sqlite or both")
    args.memory_counts = sorted(int(c) for c in str(args.memory_counts).split(","))
    return args


async def on_server(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    extra = {"dev_server_database_filename": str(workdir / "temporal.db")} if kind == "sqlite" else {}
    out: dict[str, Any] = {}
    # Eager activities: an activity scheduled in a workflow task comes back in the task's
    # answer when this worker can run it, skipping a trip through matching (every milestone
    # waits for one: the event store's record). The SDK asks for it by default; the server
    # grants it only when this dynamic config is on.
    eager = [] if args.no_eager else ["--dynamic-config-value", "system.enableActivityEagerExecution=true"]
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
        dev_server_extra_args=eager,
        **extra,  # type: ignore[arg-type]
    ) as env:
        address = env.client.service_client.config.target_host
        wanted = [s for s in args.only if kind != "sqlite" or s in args.sqlite_only]
        if "throughput" in wanted:
            say(f"[{kind}] throughput: {args.journeys} journeys and baselines")
            out["throughput"] = await throughput.measure(
                address,
                workdir,
                journeys=args.journeys,
                concurrency=args.concurrency,
                day_seconds=args.day_seconds,
                rounds=args.rounds,
            )
        if "latency" in wanted:
            say(f"[{kind}] latency: {args.latency_samples} round trips per path")
            timings = await api_bench.measure(address, args.latency_samples, args.latency_journeys)
            out["latency"] = {"load": load(), **{k: summary(v) for k, v in timings.items()}}
        if "memory" in args.only and kind == args.servers[0]:
            say(f"[{kind}] memory: worker RSS at {args.memory_counts} open journeys")
            out["memory"] = await memory.per_open_journey(
                address, workdir, counts=args.memory_counts, cache=args.max_cached
            )
            say(f"[{kind}] memory: sandbox pass-through")
            out["sandbox"] = await memory.sandbox_passthrough(
                address, workdir, workflows=args.sandbox_workflows, bad_workflows=args.sandbox_bad_workflows
            )
        # On the SQLite-file server when it runs (the setting), which comes last.
        if "scaleout" in wanted and kind == args.servers[-1]:
            say(f"[{kind}] scale-out: {args.scaleout_journeys} journeys on 1 and on 2 workers")
            out["scaleout"] = await scaleout.measure(
                address,
                workdir,
                journeys=args.scaleout_journeys,
                concurrency=args.concurrency,
                day_seconds=args.day_seconds,
                rounds=2,
            )
    return out


def say(msg: str) -> None:
    print(f"{datetime.now():%H:%M:%S} load {load()[0]:.2f}  {msg}", flush=True)


async def run_all(args: argparse.Namespace) -> dict[str, Any]:
    configure("WARNING")
    began = time.perf_counter()
    result: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "load_at_start": load(),
        "servers": {},
    }
    captured: dict[str, list[WorkflowHistory]] = {}
    for kind in args.servers:
        with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as tmp:
            got = await on_server(kind, args, Path(tmp))
        if "throughput" in got:
            captured = captured or got["throughput"].pop("histories")
            got["throughput"].pop("histories", None)
        result["servers"][kind] = got
    if "replay" in args.only and captured:
        say(f"replay: {len(captured['journey'])} journey and baseline histories")
        result["replay"] = await replay.measure(captured["journey"], captured["baseline"], repeat=args.replay_repeat)
    if "store" in args.only:
        say("store: appends against raw inserts")
        ns = argparse.Namespace(
            journeys=args.store_journeys,
            per_journey=args.store_per_journey,
            rounds=args.store_rounds,
            list_rows=0,
            skip_postgres=args.no_postgres,
        )
        result["store"] = report.store_figures(await store_bench.main(ns))
    if "reads" in args.only and not args.no_postgres:
        say(f"reads: list query over {args.list_rows:,} journeys (PostgreSQL)")
        result["reads"] = await reads.measure(args.list_rows, args.list_samples)
    result["load_at_end"] = load()
    result["minutes"] = round((time.perf_counter() - began) / 60, 1)
    result["goals"] = report.goals(result)
    return result


async def main(args: argparse.Namespace) -> int:
    result = await run_all(args)
    report.print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report.write_json(result, args.out)
    print(f"\nwritten to {args.out}")
    return 0


def cli(argv: Sequence[str] | None = None) -> None:
    from starter.runner import run

    run(main(parse(argv)))
