"""Opens the event store named by a database URL."""

from __future__ import annotations

from store.base import JourneyStore


async def open_store(database_url: str, *, schema: str | None = None) -> JourneyStore:
    """`memory:`, `sqlite+aiosqlite:///path` (migrated on open) or `postgresql+asyncpg://...`.

    An embedded SQLite file must just work, so it is created and migrated here.
    PostgreSQL is shared infrastructure: its schema changes only through
    `journeys db upgrade`, and a missing schema is refused with that hint.
    """
    if database_url.startswith("memory:"):
        from store.memory import InMemoryEventStore

        return InMemoryEventStore()
    from store.sql import SqlEventStore

    embedded = database_url.startswith("sqlite")
    return await SqlEventStore.open(database_url, schema=schema, migrate_now=embedded)


async def upgrade_database(database_url: str, *, schema: str | None = None) -> str | None:
    """Run the migrations to head; returns the revision (None for the in-memory store)."""
    if database_url.startswith("memory:"):
        return None
    from store import migrate
    from store.engine import create_engine

    engine = create_engine(database_url, schema=schema)
    try:
        return await migrate.upgrade(engine)
    finally:
        await engine.dispose()
