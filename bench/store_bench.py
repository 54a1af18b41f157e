"""`python -m bench.store_bench`: event-store append throughput next to raw driver inserts.

For PostgreSQL (asyncpg) and an SQLite file (aiosqlite), with 1 and 16 concurrent
writers appending batches of 1-3 events per journey like the workflow: the store's
`append` (idempotency check, hash chain, projections, one transaction) against bare
INSERTs of exactly the same rows, one transaction per batch, in the same run. Then
projection rebuild speed, and list-page latency over 100k journeys on PostgreSQL.
Prints numbers and writes bench/results/store_bench.json; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import store_workload as wl
from store.factory import upgrade_database
from store.projection import encode_cursor
from store.sql import SqlEventStore

RESULTS = Path(__file__).parent / "results"
PG_URL = os.environ.get("JOURNEYS_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def timed(work: Callable[[], Awaitable[Any]]) -> float:
    began = time.perf_counter()
    await work()
    return time.perf_counter() - began


async def store_append(store: SqlEventStore, w: wl.Workload) -> None:
    async def writer(batches: list[tuple[str, list[Any]]]) -> None:
        for jid, records in batches:
            await store.append(jid, records)

    await asyncio.gather(*(writer(b) for b in w.writers))


Raw = Callable[[list[Any]], Awaitable[None]]


async def run_backend(
    name: str, url: str, schema: str | None, args: argparse.Namespace, raws: dict[str, Raw]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    await upgrade_database(url, schema=schema)
    store = await SqlEventStore.open(url, schema=schema, pool_size=20)
    for writers in (1, 16):
        samples: dict[str, list[float]] = {}
        loads = [os.getloadavg()[0]]
        groups_before, grouped_before = store.group_stats()
        for rnd in range(args.rounds):
            w = wl.workload(
                f"{name}-{writers}w-r{rnd}", writers=writers, journeys=args.journeys, per_journey=args.per_journey
            )
            rows = wl.raw_rows(w)
            paths: dict[str, Callable[[], Awaitable[Any]]] = {
                "store.append": partial(store_append, store, w),
                **{label: partial(fn, rows) for label, fn in raws.items()},
            }
            # Interleaved rounds, so drift (the 2 cores are shared) hits every path alike.
            for path, work in paths.items():
                samples.setdefault(path, []).append(w.events / await timed(work))
            loads.append(os.getloadavg()[0])
        groups, grouped = store.group_stats()
        per_commit = round((grouped - grouped_before) / max(1, groups - groups_before), 2)
        for path, rates in samples.items():
            out.append(
                {
                    "backend": name,
                    "writers": writers,
                    "path": path,
                    "events": args.journeys * args.per_journey,
                    "rounds": len(rates),
                    "events_per_s": max(rates),
                    "median_events_per_s": statistics.median(rates),
                    "round_events_per_s": [round(r) for r in rates],
                    "load_1min": [round(x, 2) for x in loads],
                    **({"appends_per_commit": per_commit} if path == "store.append" else {}),
                }
            )
    async with store.engine.connect() as conn:
        total = (await conn.execute(text("SELECT count(*) FROM events"))).scalar_one()
    rates = [total / await timed(store.rebuild_projections) for _ in range(args.rounds)]
    out.append(
        {
            "backend": name,
            "writers": "-",
            "path": "rebuild_projections",
            "events": total,
            "rounds": len(rates),
            "events_per_s": max(rates),
            "median_events_per_s": statistics.median(rates),
        }
    )
    await store.close()
    return out


async def fill_journeys(conn: AsyncConnection, rows: int, snapshot: str = "{}") -> None:
    """`rows` projection rows L0000001.., made in SQL (bench/reads.py fills with this too)."""
    await conn.execute(text("TRUNCATE journeys"))
    await conn.execute(
        text(f"""
        INSERT INTO journeys SELECT 'L' || lpad(i::text, 7, '0'),
          (ARRAY['pku','fuda','jiahui','ludaopei'])[1 + i % 4], 'axi-cel',
          (ARRAY['records','teleconsult','screening','travel','apheresis','manufacturing',
                 'infusion','stay','follow_up','ended'])[1 + i % 10],
          CASE WHEN i % 10 = 9 THEN 'completed' END,
          timestamptz '2024-01-01' + (i / 7) * interval '1 minute',
          timestamptz '2024-02-01', NULL, NULL, i % 13 = 0, i % 3, 12, repeat('0', 64),
          timestamptz '2024-02-01', CAST(:snapshot AS json)
        FROM generate_series(1, {rows}) AS i"""),
        {"snapshot": snapshot},
    )
    await conn.execute(text("ANALYZE journeys"))


async def list_latency(schema: str, rows: int) -> dict[str, float]:
    """p50 ms of list pages over `rows` journeys (rows made in SQL: only the list is timed)."""
    store = await SqlEventStore.open(PG_URL, schema=schema)
    async with store.engine.begin() as conn:
        await fill_journeys(conn, rows)
    middle = await store.get_row(f"L{rows // 2:07d}")
    assert middle is not None
    cases: dict[str, dict[str, Any]] = {
        "first page": {},
        "stage=manufacturing": {"stage": "manufacturing"},
        "centre=fuda, overdue": {"centre": "fuda", "overdue": True},
        "outcome=completed": {"outcome": "completed"},
        "cursor half-way": {"cursor": encode_cursor(middle)},
    }
    result = {}
    for label, kw in cases.items():
        samples = []
        for _ in range(25):
            began = time.perf_counter()
            page = await store.list_journeys(limit=50, **kw)
            samples.append((time.perf_counter() - began) * 1000)
            assert page.rows
        result[label] = statistics.median(samples)
    await store.close()
    return result


async def pg_admin(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    lists: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/events.db"
        raw_aio, raw_sync = f"{tmp}/raw-aiosqlite.db", f"{tmp}/raw-sqlite3.db"
        for path in (raw_aio, raw_sync):
            conn = wl.sqlite_connect_sync(path)
            conn.execute(wl.RAW_DDL.format(ts="TEXT", js="TEXT"))
            conn.close()
        results += await run_backend(
            "sqlite",
            f"sqlite+aiosqlite:///{db}",
            None,
            args,
            {
                "raw aiosqlite": lambda rows: wl.raw_aiosqlite(raw_aio, rows),
                "raw sqlite3 (serial)": lambda rows: asyncio.to_thread(wl.raw_sqlite3, raw_sync, rows),
            },
        )
    if not args.skip_postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        await pg_admin(f"CREATE SCHEMA {schema}")
        try:
            await pg_admin(f"SET search_path TO {schema}; " + wl.RAW_DDL.format(ts="timestamptz", js="json"))
            dsn = PG_URL.replace("+asyncpg", "")
            results += await run_backend(
                "postgresql", PG_URL, schema, args, {"raw asyncpg": lambda rows: wl.raw_asyncpg(dsn, schema, rows)}
            )
            if args.list_rows:
                lists = await list_latency(schema, args.list_rows)
        finally:
            await pg_admin(f"DROP SCHEMA {schema} CASCADE")
    return {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
        "workload": {
            "journeys": args.journeys,
            "events_per_journey": args.per_journey,
            "batch": "1-3 events per append",
        },
        "rounds": args.rounds,
        "load_average": os.getloadavg(),
        "results": results,
        "list_p50_ms": lists,
        "list_rows": args.list_rows,
    }


def report(r: dict[str, Any]) -> None:
    m = r["machine"]
    print(
        f"\nevent store benchmark: {m['cores']} cores (load average "
        f"{r['load_average'][0]:.1f}), Python {m['python']}, "
        f"SQLite {m['sqlite']}; {r['workload']['journeys']} journeys x "
        f"{r['workload']['events_per_journey']} events per run, batches of 1-3\n"
    )
    print(f"best and median of {r['rounds']} interleaved rounds\n")
    print(f"{'backend':<11} {'writers':>7}  {'path':<21} {'events':>7} {'best ev/s':>10} {'median ev/s':>12}  load")
    for row in r["results"]:
        print(
            f"{row['backend']:<11} {row['writers']!s:>7}  {row['path']:<21} {row['events']:>7} "
            f"{row['events_per_s']:>10.0f} {row['median_events_per_s']:>12.0f}  "
            f"{row.get('load_1min', '')}"
        )
    if r["list_p50_ms"]:
        print(f"\nPostgreSQL list page (50 rows) over {r['list_rows']:,} journeys, p50 ms:")
        for label, ms in r["list_p50_ms"].items():
            print(f"  {label:<24} {ms:6.2f}")


def cli() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--journeys", type=int, default=160)
    p.add_argument("--per-journey", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--list-rows", type=int, default=100_000)
    p.add_argument("--skip-postgres", action="store_true")
    args = p.parse_args()
    result = asyncio.run(main(args))
    report(result)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "store_bench.json").write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    cli()
