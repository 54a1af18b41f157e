"""Scale-out: complete journeys per second with one worker process and with two, on one server.

Each worker is its own process, as deployed (`python -m starter.cli worker`, `JOURNEYS_*`
settings), on one task queue and one SQLite event-store file; Temporal spreads the
tasks. The bench process drives the journeys (`bench/pathway.py`) through
`JourneyClient`. Rounds alternate (1, 2, then 2, 1, ...) so drift in the machine's
load hits both alike, and the workers are started fresh and warmed up before each
timed stretch. CPU seconds are read per process (workers, dev server, this driver),
which is what says how far more cores would carry it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

from bench import pathway
from bench.common import free_port, load, ratio, stopwatch
from journeys.client import JourneyClient
from journeys.settings import Settings
from journeys.temporal import connect
from store.factory import open_store


def _spawn_worker(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    out = open(log, "ab")  # noqa: SIM115 - handed to the child, closed with it
    proc = subprocess.Popen(
        [sys.executable, "-m", "starter.cli", "worker"],
        env={**os.environ, **env, "JOURNEYS_HEALTH_PORT": str(port), "PYTHONUNBUFFERED": "1"},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    return proc, port


async def _ready(proc: subprocess.Popen[bytes], port: int, deadline_s: float = 120) -> None:
    """Until the worker's /readyz says it polls (it serves it once connected)."""
    until = time.monotonic() + deadline_s
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < until:
            if proc.poll() is not None:
                raise RuntimeError(f"a worker exited with {proc.returncode} while starting")
            try:
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"a worker was not ready within {deadline_s:.0f} s")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def _cpu(pids: dict[str, list[int]]) -> dict[str, float]:
    out = {}
    for role, ps in pids.items():
        total = 0.0
        for pid in ps:
            try:
                total += sum(psutil.Process(pid).cpu_times()[:2])
            except psutil.NoSuchProcess:
                pass
        out[role] = total
    return out


def _server_pids() -> list[int]:
    return [int(c.pid) for c in psutil.Process().children(recursive=True) if c.name() == "temporal"]


async def _drive(jc: JourneyClient, n: int, concurrency: int, day_seconds: float) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await pathway.complete(jc, day_seconds)

    with stopwatch() as took:
        await asyncio.gather(*(one() for _ in range(n)))
    return took[0]


async def measure(
    address: str, workdir: Path, *, journeys: int, concurrency: int, day_seconds: float, rounds: int = 2
) -> dict[str, Any]:
    queue = f"scale-{uuid.uuid4().hex[:6]}"
    db = f"sqlite+aiosqlite:///{workdir}/{queue}.db"
    await (await open_store(db)).close()  # migrated once, before the workers race to
    env = {
        "JOURNEYS_TEMPORAL_ADDRESS": address,
        "JOURNEYS_TASK_QUEUE": queue,
        "JOURNEYS_DATABASE_URL": db,
        "JOURNEYS_LOG_LEVEL": "WARNING",
    }
    settings = Settings(temporal_address=address, task_queue=queue, database_url=db)
    jc = JourneyClient(await connect(settings), settings)
    seconds = {1: 0.0, 2: 0.0}
    done = {1: 0, 2: 0}
    cpu: dict[int, dict[str, float]] = {1: {}, 2: {}}
    loads: list[float] = [load()[0]]
    per_round = max(1, journeys // rounds)
    for r in range(rounds):
        for n in (1, 2) if r % 2 == 0 else (2, 1):
            started = [_spawn_worker(env, workdir / f"{queue}-w{i}.log") for i in range(n)]
            procs = [p for p, _ in started]
            try:
                await asyncio.gather(*(_ready(p, port) for p, port in started))
                await _drive(jc, 2 * n, 2 * n, day_seconds)  # warm-up: every worker has worked
                pids = {"workers": [p.pid for p in procs], "dev_server": _server_pids(), "driver": [os.getpid()]}
                before = _cpu(pids)
                seconds[n] += await _drive(jc, per_round, concurrency, day_seconds)
                used = _cpu(pids)
                done[n] += per_round
                for k, v in used.items():
                    cpu[n][k] = cpu[n].get(k, 0.0) + v - before[k]
            finally:
                _stop(procs)
            loads.append(load()[0])
    by_workers: dict[int, dict[str, Any]] = {
        n: {
            "journeys": done[n],
            "seconds": round(seconds[n], 2),
            "journeys_per_s": round(done[n] / seconds[n], 2),
            "cpu_ms_per_journey": {k: round(v / done[n] * 1000) for k, v in cpu[n].items()},
            # How many cores each role kept busy: well under what the machine has means the
            # wait is elsewhere (the dev server's single SQLite writer, other tenants).
            "cores_busy": {k: round(v / seconds[n], 2) for k, v in cpu[n].items()},
        }
        for n in (1, 2)
    }
    return {
        "journeys_per_round": per_round,
        "rounds": rounds,
        "concurrency": concurrency,
        "event_store": "one SQLite file shared by the workers",
        "by_workers": by_workers,
        "ratio": ratio(by_workers[2]["journeys_per_s"], by_workers[1]["journeys_per_s"]),
        "load_1min": loads,
        "cores": os.cpu_count(),
        "cores_note": cores_note(by_workers, os.cpu_count() or 1),
    }


def cores_note(by_workers: dict[int, dict[str, Any]], cores: int) -> str:
    """What the CPU figures allow: the ceiling on this machine, and the cores two workers need."""
    one = by_workers[1]
    c = one["cpu_ms_per_journey"]
    total = c["workers"] + c["dev_server"] + c["driver"]
    if not total or not c["workers"]:
        return ""
    ceiling = cores * 1000 / total
    per_worker = 1000 / c["workers"]
    need = 2 * one["journeys_per_s"] * total / 1000
    return (
        f"CPU per journey (1 worker): worker {c['workers']} + dev server {c['dev_server']} + "
        f"driver {c['driver']} = {total} ms, so {cores} cores carry at most "
        f"{ceiling:.2f} journeys/s however many workers run; one worker process alone "
        f"(one core, Python's GIL) tops out near {per_worker:.2f}/s; twice the one-worker "
        f"rate ({2 * one['journeys_per_s']:.2f}/s) needs about {need:.1f} cores' worth "
        f"of CPU for worker, server and driver together; with one worker the processes kept "
        f"{sum(one['cores_busy'].values()):.2f} of {cores} cores busy (load average "
        f"{os.getloadavg()[0]:.1f})"
    )
