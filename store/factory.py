"""Opens the event store named by a database URL."""

from __future__ import annotations

from store.base import EventStore


async def open_store(database_url: str) -> EventStore:
    if database_url.startswith("memory:"):
        from store.memory import InMemoryEventStore

        return InMemoryEventStore()
    raise NotImplementedError("SQL event store arrives with the event-store issue")
