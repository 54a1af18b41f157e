"""The event-store contract every backend honours."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.events import EventRecord
from store.projection import JourneyRow, Page, StageDurationRow


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


class VerifyResult(BaseModel):
    journey_id: str
    events: int
    ok: bool
    first_broken_seq: int | None = None
    problem: str | None = None


class JourneyReader(Protocol):
    """What the API and CLI read: projections and the log. Implemented by every backend."""

    async def list_journeys(self, *, stage: str | None = None, centre: str | None = None,
                            overdue: bool | None = None, outcome: str | None = None,
                            limit: int = 50, cursor: str | None = None) -> Page: ...

    async def get_row(self, journey_id: str) -> JourneyRow | None: ...

    async def read(self, journey_id: str) -> list[StoredEvent]: ...

    async def verify(self, journey_id: str) -> VerifyResult: ...

    async def stage_durations(self) -> list[StageDurationRow]: ...
