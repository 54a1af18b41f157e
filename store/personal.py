"""Where the per-journey data keys live: beside the event log, in the same database.

Only wrapped keys are stored (sealed under the codec keyring by journeys.personal_data);
this module knows nothing of the cryptography. Destroying a key is one UPDATE that nulls it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from store.personal_tables import journey_keys


@dataclass(frozen=True)
class WrappedKey:
    kid: str
    wrapped: bytes | None  # None once erased
    erased_at: datetime | None = None
    erased_by: str | None = None


class KeyStore(Protocol):
    async def put_if_absent(self, journey_id: str, kid: str, wrapped: bytes) -> WrappedKey:
        """Stores the key unless the journey has one already; returns whichever is stored."""
        ...

    async def get(self, journey_id: str) -> WrappedKey | None: ...

    async def erase(self, journey_id: str, actor: str) -> None:
        """Destroys the key; a journey without one (recorded before keys existed) gets a tombstone,
        so its reads show the reference as erased too."""
        ...


class MemoryKeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, WrappedKey] = {}

    async def put_if_absent(self, journey_id: str, kid: str, wrapped: bytes) -> WrappedKey:
        return self._keys.setdefault(journey_id, WrappedKey(kid, wrapped))

    async def get(self, journey_id: str) -> WrappedKey | None:
        return self._keys.get(journey_id)

    async def erase(self, journey_id: str, actor: str) -> None:
        found = self._keys.get(journey_id)
        if found is None or found.wrapped is not None:
            self._keys[journey_id] = WrappedKey(found.kid if found else "-", None, datetime.now(UTC), actor)


class SqlKeyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def put_if_absent(self, journey_id: str, kid: str, wrapped: bytes) -> WrappedKey:
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        row = {"journey_id": journey_id, "kid": kid, "wrapped": wrapped, "created_at": datetime.now(UTC)}
        async with self.engine.begin() as conn:
            await conn.execute(insert(journey_keys).values(row).on_conflict_do_nothing(index_elements=["journey_id"]))
        found = await self.get(journey_id)
        assert found is not None
        return found

    async def get(self, journey_id: str) -> WrappedKey | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(journey_keys).where(journey_keys.c.journey_id == journey_id))).first()
        if row is None:
            return None
        return WrappedKey(row.kid, row.wrapped, row.erased_at, row.erased_by)

    async def erase(self, journey_id: str, actor: str) -> None:
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(journey_keys)
                .values(
                    journey_id=journey_id,
                    kid="-",
                    wrapped=None,
                    created_at=now,
                    erased_at=now,
                    erased_by=actor,
                )
                .on_conflict_do_nothing(index_elements=["journey_id"])
            )
            await conn.execute(
                update(journey_keys)
                .where(journey_keys.c.journey_id == journey_id, journey_keys.c.wrapped.is_not(None))
                .values(wrapped=None, erased_at=now, erased_by=actor)
            )


_attached: weakref.WeakKeyDictionary[object, KeyStore] = weakref.WeakKeyDictionary()


def key_store_for(event_store: object) -> KeyStore:
    """The key table beside an event store (same database; the same object in one process)."""
    found = _attached.get(event_store)
    if found is None:
        engine = getattr(event_store, "engine", None)
        found = SqlKeyStore(engine) if isinstance(engine, AsyncEngine) else MemoryKeyStore()
        _attached[event_store] = found
    return found
