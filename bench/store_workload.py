"""The event-store benchmark's workload and its raw-driver baselines.

Journeys of realistic events, appended in batches of 1-3 as the workflow's record
pump does; the baselines insert exactly the same rows, batch by batch, one
transaction per batch, with no idempotency check and no projection.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain import events as ev
from domain.events import EventRecord, to_record
from domain.policy import PathwayPolicy
from domain.stages import Severity, Stage
from store.hashing import GENESIS, canonical, chain_hash

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
STAGES = list(Stage)[1:-1]


def journey_events(journey_id: str, n: int, centre: str) -> list[EventRecord]:
    """A journey that moves through the stages, with reminders, alerts and acks between."""
    at = T0
    out: list[ev.Event] = [
        ev.JourneyStarted(
            occurred_at=at,
            actor="ops:bench",
            journey_id=journey_id,
            patient_ref=f"ref-{journey_id}",
            centre_id=centre,
            product="axi-cel",
            policy=PathwayPolicy(),
        )
    ]
    stage, alert = Stage.RECORDS, 0
    while len(out) < n:
        at += timedelta(days=1)
        match len(out) % 4:
            case 1 if STAGES:
                nxt = STAGES[min(len(out) // 4, len(STAGES) - 1)]
                out.append(ev.StageEntered(occurred_at=at, actor=f"centre:{centre}", stage=nxt, previous=stage))
                stage = nxt
            case 2:
                alert += 1
                out.append(
                    ev.AlertRaised(
                        occurred_at=at,
                        actor=ev.SYSTEM,
                        alert_id=f"A{alert}",
                        severity=Severity.WARNING,
                        code="late",
                        message="behind plan",
                        overdue=True,
                    )
                )
            case 3:
                out.append(ev.AlertAcknowledged(occurred_at=at, actor="ops:bench", alert_id=f"A{alert}", note="on it"))
            case _:
                out.append(
                    ev.ReminderSent(
                        occurred_at=at,
                        actor=ev.SYSTEM,
                        deadline=f"d{len(out)}",
                        audience="centre",
                        message="please report",
                    )
                )
    return [to_record(e, seq) for seq, e in enumerate(out, start=1)]


@dataclass
class Workload:
    """Per writer, the batches it appends: (journey_id, records)."""

    writers: list[list[tuple[str, list[EventRecord]]]]

    @property
    def events(self) -> int:
        return sum(len(r) for w in self.writers for _, r in w)


def workload(prefix: str, *, writers: int, journeys: int, per_journey: int, seed: int = 1) -> Workload:
    rng = random.Random(seed)
    plan: list[list[tuple[str, list[EventRecord]]]] = [[] for _ in range(writers)]
    for j in range(journeys):
        jid = f"{prefix}-{j:05d}"
        records = journey_events(jid, per_journey, ["pku", "fuda", "jiahui", "ludaopei"][j % 4])
        i = 0
        while i < len(records):
            n = rng.randint(1, 3)
            plan[j % writers].append((jid, records[i : i + n]))
            i += n
    return Workload(plan)


def raw_rows(w: Workload) -> list[list[list[tuple[Any, ...]]]]:
    """The same rows the store writes (hash chain included), precomputed per batch."""
    out: list[list[list[tuple[Any, ...]]]] = []
    prev: dict[str, str] = {}
    now = datetime.now(UTC)
    for batches in w.writers:
        mine = []
        for jid, records in batches:
            rows = []
            for r in records:
                p = prev.get(jid, GENESIS)
                h = chain_hash(p, canonical(jid, r.seq, r.kind, r.actor, r.occurred_at, r.payload))
                rows.append((jid, r.seq, r.kind, r.actor, r.occurred_at, now, json.dumps(r.payload), p, h))
                prev[jid] = h
            mine.append(rows)
        out.append(mine)
    return out


RAW_DDL = """CREATE TABLE raw_events (journey_id varchar(64), seq integer, kind varchar(64),
  actor varchar(128), occurred_at {ts}, recorded_at {ts}, payload {js}, prev_hash varchar(64),
  hash varchar(64), PRIMARY KEY (journey_id, seq))"""
INSERT = "INSERT INTO raw_events VALUES ({})"


async def raw_asyncpg(dsn: str, schema: str, rows: list[list[list[tuple[Any, ...]]]]) -> None:
    import asyncpg  # type: ignore[import-untyped]

    async def writer(batches: list[list[tuple[Any, ...]]]) -> None:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
        sql = INSERT.format(", ".join(f"${i}" for i in range(1, 10)))
        try:
            for batch in batches:
                async with conn.transaction():
                    await conn.executemany(sql, batch)
        finally:
            await conn.close()

    await asyncio.gather(*(writer(b) for b in rows))


def sqlite_connect_sync(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:4], row[4].isoformat(), row[5].isoformat(), *row[6:])


def raw_sqlite3(path: str, rows: list[list[list[tuple[Any, ...]]]]) -> None:
    conn = sqlite_connect_sync(path)
    sql = INSERT.format(", ".join("?" * 9))
    for batches in rows:
        for batch in batches:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, [_sqlite_row(r) for r in batch])
            conn.execute("COMMIT")
    conn.close()


async def raw_aiosqlite(path: str, rows: list[list[list[tuple[Any, ...]]]]) -> None:
    import aiosqlite

    lock = asyncio.Lock()  # one writer at a time, as SqlEventStore does on SQLite
    sql = INSERT.format(", ".join("?" * 9))

    async def writer(batches: list[list[tuple[Any, ...]]]) -> None:
        async with aiosqlite.connect(path, isolation_level=None, timeout=30) as conn:
            await conn.execute("PRAGMA synchronous=FULL")
            for batch in batches:
                async with lock:
                    await conn.execute("BEGIN IMMEDIATE")
                    await conn.executemany(sql, [_sqlite_row(r) for r in batch])
                    await conn.execute("COMMIT")

    await asyncio.gather(*(writer(b) for b in rows))
