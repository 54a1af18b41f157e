"""The event store on SQLAlchemy 2 async: PostgreSQL (asyncpg) or an SQLite file (aiosqlite)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import structlog
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.events import EventRecord
from store import migrate
from store.base import ConcurrencyError, JourneyNotFound, StoredEvent, VerifyResult
from store.chain import check_batch, verify_chain
from store.engine import UnitOfWork, create_engine, outage_as_unavailable, sqlite_path
from store.group_commit import GroupCommitter, GroupWriter
from store.group_sql import PostgresGroupWriter, SqliteGroupWriter
from store.head import HeadCache
from store.projection import (
    JourneyRow,
    Page,
    StageDurationRow,
    decode_cursor,
    duration_row,
    encode_cursor,
)
from store.rebuild import rebuild_projections
from store.schema import events, journeys, stage_durations
from store.sql_write import ROW_COLUMNS, StaleHead, append_once, load_head, read_log

log = structlog.get_logger(__name__)

# Each retry re-reads the log tail, so a loser of a seq race ends up with either
# the identical stored events or a ConcurrencyError, never a duplicate.
APPEND_ATTEMPTS = 8
MAX_PAGE = 500


def group_writer(engine: AsyncEngine) -> GroupWriter:
    if engine.dialect.name == "sqlite":
        path = sqlite_path(str(engine.url))
        assert path is not None  # create_engine refuses an SQLite URL without a file
        return SqliteGroupWriter(path)
    return PostgresGroupWriter(engine)


class SqlEventStore:
    def __init__(self, engine: AsyncEngine, *, schema: str | None = None) -> None:
        self.engine, self.schema = engine, schema
        self.backend = engine.dialect.name
        # SQLite has a single writer per file; queueing writers here hands the lock
        # over at once instead of through SQLite's sleeping busy handler.
        self._writers: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if self.backend == "sqlite" else contextlib.nullcontext()
        )
        self._heads = HeadCache()
        self._group = GroupCommitter(group_writer(engine), self._heads, self._writers)

    @classmethod
    async def open(
        cls, url: str, *, schema: str | None = None, migrate_now: bool = False, pool_size: int = 10
    ) -> SqlEventStore:
        engine = create_engine(url, schema=schema, pool_size=pool_size)
        try:
            if migrate_now:
                await migrate.upgrade(engine)
            else:
                await migrate.check_schema(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, schema=schema)

    def group_stats(self) -> tuple[int, int]:
        """(group transactions, appends they carried) since the store opened."""
        return self._group.groups, self._group.grouped

    # -- the log ------------------------------------------------------------

    async def append(self, journey_id: str, records: list[EventRecord]) -> list[StoredEvent]:
        check_batch(journey_id, records)
        if not records:
            return []
        grouped = await self._group.append(journey_id, records)
        if grouped is not None:
            return grouped
        return await self._append_alone(journey_id, records)

    async def _append_alone(self, journey_id: str, records: list[EventRecord]) -> list[StoredEvent]:
        """One transaction through SQLAlchemy that reads what it must: settles races and replays."""
        for attempt in range(1, APPEND_ATTEMPTS + 1):
            cached = self._heads.get(journey_id)
            try:
                # Not write=True: on SQLite the driver takes the write lock at the first
                # write, which saves a statement; the head read before it needs no lock.
                async with outage_as_unavailable("append"), self._writers, UnitOfWork(self.engine) as uow:
                    head = cached or await load_head(uow.conn, journey_id)
                    out, after = await append_once(uow.conn, journey_id, records, head)
                    await uow.commit()
                self._heads.put(journey_id, after)
                return out
            except (IntegrityError, StaleHead):
                # Another writer moved this journey between our read and our write.
                self._heads.drop(journey_id)
                log.debug("append raced another writer", journey_id=journey_id, attempt=attempt)
            except ConcurrencyError:
                if cached is None:
                    raise
                # Judged against a remembered head: judge again against the database.
                self._heads.drop(journey_id)
            except BaseException:
                # Whether it committed is unknown; the next attempt reads the database.
                self._heads.drop(journey_id)
                raise
        raise ConcurrencyError(f"{journey_id}: gave up after {APPEND_ATTEMPTS} races for seq {records[0].seq}")

    async def read(self, journey_id: str) -> list[StoredEvent]:
        async with outage_as_unavailable("read"), self.engine.connect() as conn:
            out = await read_log(conn, journey_id)
        if not out:
            raise JourneyNotFound(journey_id)
        return out

    async def verify(self, journey_id: str) -> VerifyResult:
        return verify_chain(journey_id, await self.read(journey_id))

    async def verify_all(self) -> AsyncIterator[VerifyResult]:
        after = ""
        while True:
            async with outage_as_unavailable("verify"), self.engine.connect() as conn:
                ids = list(
                    (
                        await conn.execute(
                            select(events.c.journey_id)
                            .distinct()
                            .where(events.c.journey_id > after)
                            .order_by(events.c.journey_id)
                            .limit(200)
                        )
                    ).scalars()
                )
            for journey_id in ids:
                yield await self.verify(journey_id)
            if len(ids) < 200:
                return
            after = ids[-1]

    # -- projections --------------------------------------------------------

    async def get_row(self, journey_id: str) -> JourneyRow | None:
        async with outage_as_unavailable("read"), self.engine.connect() as conn:
            row = (await conn.execute(select(*ROW_COLUMNS).where(journeys.c.journey_id == journey_id))).first()
        return JourneyRow.model_validate(dict(row._mapping)) if row else None

    async def list_journeys(
        self,
        *,
        stage: str | None = None,
        centre: str | None = None,
        overdue: bool | None = None,
        outcome: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
        surveillance: str | None = None,
    ) -> Page:
        limit = max(1, min(limit, MAX_PAGE))
        q = select(*ROW_COLUMNS)
        if stage is not None:
            q = q.where(journeys.c.stage == stage)
        if centre is not None:
            q = q.where(journeys.c.centre_id == centre)
        if overdue is not None:
            q = q.where(journeys.c.overdue == overdue)
        if outcome is not None:
            q = q.where(journeys.c.outcome == outcome)
        if surveillance is not None:
            q = q.where(journeys.c.surveillance == surveillance)
        if cursor:
            # A row-value comparison, so PostgreSQL starts the index range right at the cursor.
            q = q.where(tuple_(journeys.c.started_at, journeys.c.journey_id) > decode_cursor(cursor))
        q = q.order_by(journeys.c.started_at, journeys.c.journey_id).limit(limit + 1)
        async with outage_as_unavailable("list"), self.engine.connect() as conn:
            rows = [JourneyRow.model_validate(dict(r._mapping)) for r in await conn.execute(q)]
        page = rows[:limit]
        return Page(rows=page, next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None)

    async def stage_durations(self) -> list[StageDurationRow]:
        sd = stage_durations.c
        async with outage_as_unavailable("read"), self.engine.connect() as conn:
            rows = await conn.execute(
                select(sd.centre_id, sd.stage, sd.visits, sd.total_micro_days).order_by(sd.centre_id, sd.stage)
            )
            return [duration_row(r.centre_id, r.stage, r.visits, r.total_micro_days) for r in rows]

    async def rebuild_projections(self, progress: Callable[[int], None] | None = None) -> int:
        async with outage_as_unavailable("rebuild"), self._writers, UnitOfWork(self.engine, write=True) as uow:
            count = await rebuild_projections(uow.conn, progress)
            await uow.commit()
        self._heads.clear()
        return count

    async def close(self) -> None:
        await self._group.close()
        await self.engine.dispose()
