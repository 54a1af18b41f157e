"""Alembic migrations build the schema the code expects, on both backends, from the package."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

import store.migrate as migrate
from store.base import SchemaMissing, StoreError, StoreUnavailable
from store.engine import create_engine
from store.factory import open_store, upgrade_database
from store.schema import metadata
from store.sql import SqlEventStore
from tests.store.conftest import PG_URL
from tests.store.events import journey

TABLES = {
    "alembic_version",
    "events",
    "journeys",
    "stage_durations",
    "capacity_centres",
    "capacity_reservations",
    "journey_keys",
}
# The newest revision; a branch that adds one moves this.
HEAD = "0004"


async def schema_drift(url: str, schema: str | None = None) -> list[object]:
    engine = create_engine(url, schema=schema)
    try:
        async with engine.connect() as conn:

            def diff(c: Connection) -> list[object]:
                return list(compare_metadata(MigrationContext.configure(c), metadata))

            return await conn.run_sync(diff)
    finally:
        await engine.dispose()


class TestMigrations:
    def test_the_migrations_ship_inside_the_package(self) -> None:
        assert (migrate.MIGRATIONS / "env.py").is_file()
        assert Path(migrate.MIGRATIONS).is_relative_to(Path(migrate.__file__).parent)
        assert migrate.head_revision() == HEAD

    async def test_upgrade_builds_the_expected_schema_on_an_empty_sqlite_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)  # no alembic.ini here: none is needed
        url = f"sqlite+aiosqlite:///{tmp_path}/new/dir/events.db"
        assert await upgrade_database(url) == HEAD
        assert await upgrade_database(url) == HEAD  # idempotent
        engine = create_engine(url)
        assert set(await migrate.table_names(engine)) == TABLES
        await engine.dispose()
        assert await schema_drift(url) == []

    async def test_upgrade_builds_the_expected_schema_on_an_empty_postgres_schema(
        self, fresh_pg_schema: Callable[[], Awaitable[str]]
    ) -> None:
        schema = await fresh_pg_schema()
        assert await upgrade_database(PG_URL, schema=schema) == HEAD
        assert await upgrade_database(PG_URL, schema=schema) == HEAD
        engine = create_engine(PG_URL, schema=schema)
        assert set(await migrate.table_names(engine)) == TABLES
        await engine.dispose()
        assert await schema_drift(PG_URL, schema) == []

    async def test_postgres_without_a_schema_is_refused_with_the_command_that_fixes_it(
        self, fresh_pg_schema: Callable[[], Awaitable[str]]
    ) -> None:
        schema = await fresh_pg_schema()
        with pytest.raises(SchemaMissing, match="journeys db upgrade"):
            await open_store(PG_URL, schema=schema)

    async def test_an_embedded_sqlite_store_creates_and_migrates_itself_on_open(self, tmp_path: Path) -> None:
        store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/a/b/events.db")
        try:
            await store.append("J-1", journey("J-1", 2))
            assert (await store.verify("J-1")).ok
        finally:
            await store.close()
        assert (tmp_path / "a" / "b" / "events.db").is_file()

    async def test_an_unsupported_url_is_refused_clearly(self) -> None:
        with pytest.raises(StoreError, match="unsupported database URL"):
            await open_store("mysql://db/events")
        with pytest.raises(StoreError, match="needs a file"):
            await open_store("sqlite+aiosqlite://")

    async def test_an_unreachable_database_is_reported_as_unavailable(self) -> None:
        with pytest.raises(StoreUnavailable, match="unreachable"):
            await open_store("postgresql+asyncpg://postgres@127.0.0.1:1/test")
        store = SqlEventStore(create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/test"))
        try:
            with pytest.raises(StoreUnavailable, match="append"):
                await store.append("J-1", journey("J-1", 1))
        finally:
            await store.close()
