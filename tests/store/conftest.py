"""One store fixture, three backends: the same contract runs on each.

PostgreSQL tests get a private schema per session, so parallel runs never meet.
Unreachable PostgreSQL skips locally and fails in CI (JOURNEYS_REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text, update

from store.base import JourneyStore
from store.factory import upgrade_database
from store.memory import InMemoryEventStore
from store.schema import events
from store.sql import SqlEventStore

PG_URL = os.environ.get("JOURNEYS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKENDS = ["memory", "sqlite", "postgres"]

Tamper = Callable[[str, int, dict[str, Any]], Awaitable[None]]


def postgres_missing(reason: str) -> None:
    if os.environ.get("JOURNEYS_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here but unreachable at {PG_URL}: {reason}")
    pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {reason}")


def schema_name() -> str:
    # The time in the name lets a later session drop what a killed one left behind.
    return f"t_{int(time.time())}_{uuid.uuid4().hex[:6]}"


async def drop_stale_schemas(older_than_s: float = 6 * 3600) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""), timeout=5)
    try:
        names = [
            r[0] for r in await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname ~ '^t_[0-9]+_[0-9a-f]+$'")
        ]
        for name in names:
            if int(name.split("_")[1]) < time.time() - older_than_s:
                await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    finally:
        await conn.close()


async def pg_admin(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class PgSchema:
    name: str | None
    error: str | None = None

    def require(self) -> str:
        if self.name is None:
            postgres_missing(self.error or "unknown")
        assert self.name is not None
        return self.name


@pytest_asyncio.fixture(scope="session")
async def pg_schema() -> AsyncIterator[PgSchema]:
    """A fresh, migrated schema for this session (dropped at the end), or why there is none.

    Not skipping here keeps the memory and SQLite cases running without PostgreSQL.
    """
    name = schema_name()
    try:
        await drop_stale_schemas()
        await pg_admin(f"CREATE SCHEMA {name}")
    except Exception as err:  # noqa: BLE001 - any failure to reach it means "missing"
        yield PgSchema(None, f"{type(err).__name__}: {err}")
        return
    try:
        await upgrade_database(PG_URL, schema=name)
        yield PgSchema(name)
    finally:
        await pg_admin(f"DROP SCHEMA {name} CASCADE")


@pytest_asyncio.fixture
async def fresh_pg_schema() -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Makes empty schemas (for migration tests); they are dropped after the test."""
    made: list[str] = []

    async def make() -> str:
        name = schema_name()
        try:
            await pg_admin(f"CREATE SCHEMA {name}")
        except Exception as err:  # noqa: BLE001 - any failure to reach it means "missing"
            postgres_missing(f"{type(err).__name__}: {err}")
        made.append(name)
        return name

    yield make
    for name in made:
        await pg_admin(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@dataclass
class Backend:
    name: str
    store: JourneyStore
    tamper: Tamper


def sql_tamper(store: SqlEventStore) -> Tamper:
    async def tamper(journey_id: str, seq: int, payload: dict[str, Any]) -> None:
        async with store.engine.begin() as conn:
            await conn.execute(
                update(events).where(events.c.journey_id == journey_id, events.c.seq == seq).values(payload=payload)
            )

    return tamper


async def open_backend(name: str, tmp_path: Path, pg: PgSchema) -> Backend:
    if name == "memory":
        mem = InMemoryEventStore()

        async def tamper(journey_id: str, seq: int, payload: dict[str, Any]) -> None:
            mem.tamper(journey_id, seq, payload)

        return Backend(name, mem, tamper)
    if name == "sqlite":
        from store.factory import open_store

        store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/db/events.db")
        assert isinstance(store, SqlEventStore)
        return Backend(name, store, sql_tamper(store))
    store = await SqlEventStore.open(PG_URL, schema=pg.require())
    async with store.engine.begin() as conn:
        await conn.execute(text("TRUNCATE events, journeys, stage_durations"))
    return Backend(name, store, sql_tamper(store))


@pytest_asyncio.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path, pg_schema: PgSchema) -> AsyncIterator[Backend]:
    b = await open_backend(request.param, tmp_path, pg_schema)
    try:
        yield b
    finally:
        await b.store.close()


@pytest_asyncio.fixture(params=["sqlite", "postgres"])
async def sql_backend(request: pytest.FixtureRequest, tmp_path: Path, pg_schema: PgSchema) -> AsyncIterator[Backend]:
    b = await open_backend(request.param, tmp_path, pg_schema)
    try:
        yield b
    finally:
        await b.store.close()
