"""Alembic, run from the installed package: no alembic.ini and no particular cwd needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from store.base import SchemaMissing
from store.engine import outage_as_unavailable

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


async def upgrade(engine: AsyncEngine) -> str:
    """Bring the schema to head; safe to run concurrently and repeatedly."""
    cfg = alembic_config()

    def _run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    async with outage_as_unavailable("migration"), engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # Two processes opening a fresh file at once: the second waits, then finds head.
            conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
        async with conn.begin():
            if engine.dialect.name == "postgresql":
                # Two deployments upgrading at once: the second waits, then finds head.
                await conn.execute(text("SELECT pg_advisory_xact_lock(7243011)"))
            await conn.run_sync(_run)
    return head_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with outage_as_unavailable("schema check"), engine.connect() as conn:
        return await conn.run_sync(_current)


async def check_schema(engine: AsyncEngine) -> None:
    """Refuse to run against a database nobody migrated, with the command that fixes it."""
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaMissing("the database has no event-store schema yet; run `journeys db upgrade`")
    raise SchemaMissing(
        f"the event-store schema is at revision {current} but this code needs {head}; run `journeys db upgrade`"
    )


async def table_names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: inspect(c).get_table_names())
