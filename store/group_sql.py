"""The group commit's writes, straight on each driver (the hot path of every append).

SQLAlchemy stays the store's way in for reads, migrations, rebuilds and the
single-append path that settles races. A group's write is the one place that runs
thousands of times a minute, so it skips SQLAlchemy's per-statement machinery:

- SQLite: one dedicated thread owns a `sqlite3` connection and runs a whole group
  (BEGIN IMMEDIATE, every row, COMMIT) in one hop from the event loop, where
  aiosqlite would take four or five hops per statement.
- PostgreSQL: the whole group is one statement over arrays (`unnest`), so it is
  one round trip and its own transaction: the compare-and-set updates of the
  journey rows, the new rows, the events of the journeys whose rows moved and the
  stage-duration sums, all or nothing. asyncpg prepares it once per connection.

Columns and their conversions come from `store.schema` and SQLAlchemy's own bind
processors, so these rows are the ones the SQLAlchemy path writes.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.state import JourneyState
from store.base import StoredEvent, StoreUnavailable
from store.engine import SQLITE_BUSY_MS, is_outage, outage_as_unavailable
from store.group_commit import Planned
from store.head import Head
from store.schema import UtcDateTime, events, journeys

T = TypeVar("T")
JOURNEY_COLUMNS = [c.name for c in journeys.c]
EVENT_COLUMNS = [c.name for c in events.c]


def _durations(group: Iterable[Planned]) -> list[tuple[str, str, int, int]]:
    """(centre, stage, visits, micro-days) summed over the group, in one fixed order."""
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for p in group:
        for centre, stage, micros in p.durations:
            n, total = totals.get((centre, str(stage)), (0, 0))
            totals[(centre, str(stage))] = (n + 1, total + micros)
    # Sorted so concurrent groups take the shared rows' locks in one order.
    return [(c, s, n, t) for (c, s), (n, t) in sorted(totals.items())]


def _sqlite_datetime(value: datetime) -> str:
    """What SQLAlchemy's SQLite DateTime stores for our UtcDateTime: naive UTC text, microseconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class _SqliteRows:
    """A table's rows as sqlite3 takes them (a test checks they equal SQLAlchemy's bytes)."""

    def __init__(self, table: Table) -> None:
        self.names = [c.name for c in table.c]
        self._procs: list[Callable[[Any], Any] | None] = [
            _sqlite_datetime if isinstance(c.type, UtcDateTime) else int if isinstance(c.type, Boolean) else None
            for c in table.c
        ]

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            v if p is None or v is None else p(v)
            for v, p in zip([values[n] for n in self.names], self._procs, strict=True)
        )


def _journey_values(p: Planned) -> dict[str, Any]:
    return {
        **p.row,
        "stage": str(p.after.stage),
        "outcome": str(p.after.outcome) if p.after.outcome else None,
        "last_hash": p.new[-1].hash,
        "snapshot": p.snapshot,
    }


def _event_values(e: StoredEvent) -> dict[str, Any]:
    return {**e.__dict__, "payload": json.dumps(e.payload)}


def _head(row: Any) -> Head:
    snapshot = row[3] if isinstance(row[3], str) else json.dumps(row[3])
    return Head(row[1], row[2], JourneyState.model_validate_json(snapshot), True)


class SqliteGroupWriter:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="event-store-writer")
        self._conn: sqlite3.Connection | None = None
        self._journeys, self._events = _SqliteRows(journeys), _SqliteRows(events)
        cols = JOURNEY_COLUMNS
        self._update = (
            f"UPDATE journeys SET {', '.join(f'{c} = ?' for c in cols[1:])} WHERE journey_id = ? AND last_seq = ?"
        )
        self._insert_row = (
            f"INSERT INTO journeys ({', '.join(cols)}) VALUES "
            f"({', '.join('?' * len(cols))}) ON CONFLICT (journey_id) DO NOTHING"
        )
        self._insert_events = (
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
        )
        self._durations = (
            "INSERT INTO stage_durations (centre_id, stage, visits, total_micro_days) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (centre_id, stage) DO UPDATE SET "
            "visits = visits + excluded.visits, "
            "total_micro_days = total_micro_days + excluded.total_micro_days"
        )

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._conn is None:
                conn = sqlite3.connect(
                    self._path, isolation_level=None, check_same_thread=False, timeout=SQLITE_BUSY_MS / 1000
                )
                # The same settings as the engine's connections (store.engine).
                for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={SQLITE_BUSY_MS}"):
                    conn.execute(f"PRAGMA {pragma}")
                self._conn = conn
            return fn(self._conn)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, call)
        except sqlite3.OperationalError as err:
            raise StoreUnavailable(f"event store unreachable during append: {err}") from err

    async def load_heads(self, journey_ids: list[str]) -> dict[str, Head]:
        sql = (
            f"SELECT journey_id, last_seq, last_hash, snapshot FROM journeys "
            f"WHERE journey_id IN ({', '.join('?' * len(journey_ids))})"
        )
        rows = await self._run(lambda conn: conn.execute(sql, journey_ids).fetchall())
        return {r[0]: _head(r) for r in rows}

    async def write(self, group: list[Planned]) -> set[str]:
        rows = [
            (p, self._journeys.row(_journey_values(p)), [self._events.row(_event_values(e)) for e in p.new])
            for p in group
        ]
        return await self._run(lambda conn: self._write(conn, rows))

    def _write(
        self, conn: sqlite3.Connection, rows: list[tuple[Planned, tuple[Any, ...], list[tuple[Any, ...]]]]
    ) -> set[str]:
        moved: set[str] = set()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for p, row, event_rows in rows:
                if p.expected.has_row:
                    cur = conn.execute(self._update, (*row[1:], p.journey_id, p.expected.last_seq))
                else:
                    cur = conn.execute(self._insert_row, row)
                if cur.rowcount != 1:
                    continue  # someone else moved it: the single-append path decides
                conn.executemany(self._insert_events, event_rows)
                moved.add(p.journey_id)
            conn.executemany(self._durations, _durations(p for p in (r[0] for r in rows) if p.journey_id in moved))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return moved

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._thread, shut)
        self._thread.shutdown()


def _pg_type(col: Any) -> str:
    t = col.type
    if isinstance(t, UtcDateTime):
        return "timestamptz"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, BigInteger):
        return "int8"
    if isinstance(t, Integer):
        return "int4"
    if isinstance(t, (String, JSON)):
        return "text"  # JSON travels as text and is cast in the statement
    raise TypeError(f"no array type for column {col.name} ({t!r})")


def _pg_group_statement() -> str:
    n = 0

    def arrays(cols: list[tuple[str, str]]) -> str:
        nonlocal n
        out = []
        for _, typ in cols:
            n += 1
            out.append(f"${n}::{typ}[]")
        return f"unnest({', '.join(out)}) AS x({', '.join(name for name, _ in cols)})"

    def value(col: Any, alias: str) -> str:
        return f"{alias}.{col.name}::json" if isinstance(col.type, JSON) else f"{alias}.{col.name}"

    jcols = [(c.name, _pg_type(c)) for c in journeys.c]
    v = arrays([("expected_seq", "int4"), ("has_row", "bool"), *jcols])
    e = arrays([(c.name, _pg_type(c)) for c in events.c])
    d = arrays(
        [("journey_id", "text"), ("centre_id", "text"), ("stage", "text"), ("visits", "int4"), ("micros", "int8")]
    )
    sets = ", ".join(f"{c.name} = {value(c, 'v')}" for c in journeys.c if c.name != "journey_id")
    return f"""
WITH v AS (SELECT * FROM {v}),
moved AS (
  UPDATE journeys AS j SET {sets} FROM v
  WHERE v.has_row AND j.journey_id = v.journey_id AND j.last_seq = v.expected_seq
  RETURNING j.journey_id),
created AS (
  INSERT INTO journeys ({", ".join(JOURNEY_COLUMNS)})
  SELECT {", ".join(value(c, "v") for c in journeys.c)} FROM v WHERE NOT v.has_row
  ON CONFLICT (journey_id) DO NOTHING RETURNING journey_id),
ok AS (SELECT journey_id FROM moved UNION ALL SELECT journey_id FROM created),
ev AS (
  INSERT INTO events ({", ".join(EVENT_COLUMNS)})
  SELECT {", ".join(value(c, "x") for c in events.c)} FROM {e}
  WHERE x.journey_id IN (SELECT journey_id FROM ok)),
dur AS (
  INSERT INTO stage_durations (centre_id, stage, visits, total_micro_days)
  SELECT x.centre_id, x.stage, sum(x.visits)::int4, sum(x.micros)::int8 FROM {d}
  WHERE x.journey_id IN (SELECT journey_id FROM ok)
  GROUP BY x.centre_id, x.stage ORDER BY x.centre_id, x.stage
  ON CONFLICT (centre_id, stage) DO UPDATE SET
    visits = stage_durations.visits + excluded.visits,
    total_micro_days = stage_durations.total_micro_days + excluded.total_micro_days)
SELECT journey_id FROM ok"""


PG_GROUP = _pg_group_statement()
PG_HEADS = "SELECT journey_id, last_seq, last_hash, snapshot FROM journeys WHERE journey_id = ANY($1::text[])"


class PostgresGroupWriter:
    """Runs on a pooled connection's asyncpg connection, outside SQLAlchemy's transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        async with outage_as_unavailable("append"), self._engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            try:
                return list(await raw.fetch(sql, *args))  # type: ignore[union-attr]
            except Exception as err:
                if is_outage(err) or _asyncpg_outage(err):
                    await conn.invalidate()
                    raise StoreUnavailable(f"event store unreachable during append: {type(err).__name__}") from err
                raise

    async def load_heads(self, journey_ids: list[str]) -> dict[str, Head]:
        return {r[0]: _head(r) for r in await self._fetch(PG_HEADS, journey_ids)}

    async def write(self, group: list[Planned]) -> set[str]:
        jv = [_journey_values(p) for p in group]
        ev = [_event_values(e) for p in group for e in p.new]
        dur = [(p.journey_id, c, str(s), 1, m) for p in group for c, s, m in p.durations]
        args: list[list[Any]] = [[p.expected.last_seq for p in group], [p.expected.has_row for p in group]]
        args += [[row[c] for row in jv] for c in JOURNEY_COLUMNS]
        args += [[row[c] for row in ev] for c in EVENT_COLUMNS]
        args += [[d[i] for d in dur] for i in range(5)]
        return {r[0] for r in await self._fetch(PG_GROUP, *args)}

    async def close(self) -> None:
        return None


def _asyncpg_outage(err: BaseException) -> bool:
    import asyncpg  # type: ignore[import-untyped]

    return isinstance(
        err,
        (
            asyncpg.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.exceptions.CannotConnectNowError,
            asyncpg.exceptions.AdminShutdownError,
        ),
    )
