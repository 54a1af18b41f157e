"""Engines for both backends, the unit of work, and outage translation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)

from store.base import StoreError, StoreUnavailable

SUPPORTED = ("sqlite+aiosqlite", "postgresql+asyncpg")
SQLITE_BUSY_MS = 30_000


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    return Path(u.database) if u.get_backend_name() == "sqlite" and u.database else None


def create_engine(url: str, *, schema: str | None = None, pool_size: int = 10) -> AsyncEngine:
    u = make_url(url)
    if u.drivername not in SUPPORTED:
        raise StoreError(
            f"unsupported database URL {u.drivername!r}: use one of "
            f"{', '.join(s + '://' for s in SUPPORTED)} or memory:"
        )
    if u.drivername == "sqlite+aiosqlite":
        path = sqlite_path(url)
        if path is None or str(path) == ":memory:":
            raise StoreError("an SQLite event store needs a file: sqlite+aiosqlite:///path/events.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Every unit of work ends its own transaction; a second rollback on return is a
        # wasted trip to the driver thread.
        engine = create_async_engine(u, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, pool_reset_on_return=None)
        _sqlite_transactions(engine)
        return engine
    connect_args: dict[str, Any] = {"timeout": 10, "command_timeout": 30}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    # No pre-ping: it costs a round trip per append. A dropped connection fails
    # the append as StoreUnavailable, is discarded, and the caller's retry gets a fresh one.
    return create_async_engine(u, pool_size=pool_size, max_overflow=pool_size * 2, connect_args=connect_args)


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """SQLite transactions that never fail half-way for want of the write lock.

    The driver opens a write transaction just before the first INSERT/UPDATE/DELETE,
    and as `BEGIN IMMEDIATE`: a deferred one would fail at once with SQLITE_BUSY if
    another process wrote since (busy_timeout does not help there). Reads before
    that point run outside the transaction, which the append tolerates: it advances
    the journey row only from the version it read. Migrations ask for an explicit
    BEGIN IMMEDIATE so their DDL is inside the transaction too.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = "IMMEDIATE"
        cur = dbapi_connection.cursor()
        # WAL: readers never block the writer. FULL: a commit the workflow was told
        # about survives a power cut (this is the system of record).
        for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={SQLITE_BUSY_MS}"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_begin"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_outage(err: BaseException) -> bool:
    """Failures a later attempt can get past: no connection, a dropped one, a timeout.

    A bare DBAPIError is what asyncpg's refusals at connect time become (unknown
    database, authentication): not transient, but still "cannot reach the store".
    """
    if isinstance(err, (OperationalError, InterfaceError)) or type(err) is DBAPIError:
        return True
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return True
    return isinstance(err, (OSError, asyncio.TimeoutError, ConnectionError))


@asynccontextmanager
async def outage_as_unavailable(what: str) -> AsyncIterator[None]:
    """Turn driver-level connection failures into one retryable, readable error."""
    try:
        yield
    except StoreError:
        raise
    except Exception as err:
        if is_outage(err):
            detail = str(getattr(err, "orig", None) or err).splitlines()[0][:200]
            raise StoreUnavailable(f"event store unreachable during {what}: {detail}") from err
        raise


class UnitOfWork:
    """One transaction that rolls back unless `commit()` was called."""

    def __init__(self, engine: AsyncEngine, *, write: bool = False) -> None:
        """`write=True` takes SQLite's write lock at BEGIN, before the first read."""
        self._engine, self._write = engine, write
        self._committed = False
        self.conn: AsyncConnection
        self._tx: AsyncTransaction

    async def __aenter__(self) -> UnitOfWork:
        conn = await self._engine.connect()
        try:
            if self._write and self._engine.dialect.name == "sqlite":
                conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
            self._tx = await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self.conn = conn
        return self

    async def commit(self) -> None:
        await self._tx.commit()
        self._committed = True

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._committed and self._tx.is_active:
                await self._tx.rollback()
        except Exception:
            # A dead connection cannot roll back; the error that got us here matters more.
            if exc is None:
                raise
        finally:
            await self.conn.close()
