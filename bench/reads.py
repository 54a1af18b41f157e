"""The manager's list query at scale: `store.list_journeys` over 100,000 projection rows.

PostgreSQL, in a schema made for the run and dropped after it. Rows are generated in
SQL (only the reads are timed) with a real journey's folded state as the snapshot, so
rows are as wide as production's. Every case is timed through the store itself
(filters, default ordering, page of 50), and the exact SQL the store sent is run
again under EXPLAIN to show which index answered it.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from bench.common import summary
from bench.store_bench import PG_URL, fill_journeys, pg_admin
from store.factory import upgrade_database
from store.projection import encode_cursor
from store.sql import SqlEventStore
from tests.helpers.pathway import Pathway

CASES: dict[str, dict[str, Any]] = {
    "no filter (first page)": {},
    "stage=manufacturing": {"stage": "manufacturing"},
    "centre=fuda": {"centre": "fuda"},
    "overdue": {"overdue": True},
    "outcome=completed": {"outcome": "completed"},
    "stage=stay, centre=pku": {"stage": "stay", "centre": "pku"},
    "centre=fuda, overdue": {"centre": "fuda", "overdue": True},
}


def realistic_snapshot() -> str:
    p = Pathway().to_follow_up()
    p.report("follow_up_recorded", visit_day=30, response="CR")
    return json.dumps(p.state.model_dump(mode="json"))


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += _plan_nodes(child)
    return out


async def _explain(store: SqlEventStore, kw: dict[str, Any]) -> dict[str, Any]:
    """Run the store's own statement again under EXPLAIN ANALYZE."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Connection, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    event.listen(store.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await store.list_journeys(limit=50, **kw)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", capture)
    statement, params = sent[-1]
    async with store.engine.connect() as conn:
        raw = await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", params)
        plan = raw.scalar_one()
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    nodes = _plan_nodes(plan["Plan"])
    return {
        "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
        "seq_scan": any(n["Node Type"] == "Seq Scan" for n in nodes),
        "sort": any(n["Node Type"] == "Sort" for n in nodes),
        "rows_scanned": max(n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0) for n in nodes),
        "execution_ms": round(plan["Execution Time"], 3),
    }


async def measure(rows: int, samples: int) -> dict[str, Any]:
    schema = f"bench_reads_{uuid.uuid4().hex[:8]}"
    await pg_admin(f"CREATE SCHEMA {schema}")
    try:
        await upgrade_database(PG_URL, schema=schema)
        store = await SqlEventStore.open(PG_URL, schema=schema)
        try:
            started = time.perf_counter()
            async with store.engine.begin() as conn:
                await fill_journeys(conn, rows, realistic_snapshot())
            filled_s = time.perf_counter() - started
            async with store.engine.connect() as conn:
                size = (await conn.execute(text("SELECT pg_total_relation_size('journeys')"))).scalar_one()
            middle = await store.get_row(f"L{rows // 2:07d}")
            assert middle is not None
            cases = {
                **CASES,
                "cursor half-way": {"cursor": encode_cursor(middle)},
                "stage=stay, cursor half-way": {"stage": "stay", "cursor": encode_cursor(middle)},
            }
            out: dict[str, Any] = {}
            for label, kw in cases.items():
                for _ in range(5):  # warm the pool and the buffer cache
                    await store.list_journeys(limit=50, **kw)
                timings = []
                for _ in range(samples):
                    t = time.perf_counter()
                    page = await store.list_journeys(limit=50, **kw)
                    timings.append((time.perf_counter() - t) * 1000)
                out[label] = {**summary(timings), "rows": len(page.rows), "plan": await _explain(store, kw)}
        finally:
            await store.close()
    finally:
        await pg_admin(f"DROP SCHEMA {schema} CASCADE")
    return {
        "rows": rows,
        "samples": samples,
        "page": 50,
        "fill_seconds": round(filled_s, 1),
        "table_mib": round(size / 2**20, 1),
        "schema": schema,
        "cases": out,
    }
