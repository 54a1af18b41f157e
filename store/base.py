"""The event-store contract every backend honours."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.events import EventRecord


class StoredEvent(BaseModel):
    model_config = ConfigDict(frozen=True)
    journey_id: str
    seq: int
    kind: str
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    payload: dict
    prev_hash: str
    hash: str


class StoreError(Exception):
    pass


class JourneyNotFound(StoreError):
    pass


class ConcurrencyError(StoreError):
    """A different event already holds this (journey, seq): someone else wrote history."""


class EventStore(Protocol):
    async def append(self, journey_id: str, records: list[EventRecord]) -> list[StoredEvent]:
        """Idempotent on (journey_id, seq): an identical replay writes nothing."""
        ...

    async def read(self, journey_id: str) -> list[StoredEvent]: ...
