"""The event-store contract every backend honours."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

from domain.events import EventRecord
from store.projection import JourneyRow, Page, StageDurationRow


class StoredEvent(EventRecord):
    """An appended record with its place in the journey's chain: still an `EventRecord`, so the
    domain's one codec (`to_event`) and one fold (`fold_records`) read it without a conversion."""

    journey_id: str
    recorded_at: datetime
    prev_hash: str
    hash: str


class StoreError(Exception):
    pass


class JourneyNotFound(StoreError):
    pass


class ConcurrencyError(StoreError):
    """A different event already holds this (journey, seq): someone else wrote history."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or timed out: transient, so callers retry."""


class SchemaMissing(StoreError):
    """The database has no (or an outdated) event-store schema: run `journeys db upgrade`."""


class BadCursor(StoreError, ValueError):
    """A page cursor that this store did not hand out."""


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
    ) -> Page: ...

    async def get_row(self, journey_id: str) -> JourneyRow | None: ...

    async def read(self, journey_id: str) -> list[StoredEvent]: ...

    async def verify(self, journey_id: str) -> VerifyResult: ...

    async def stage_durations(self) -> list[StageDurationRow]: ...


class JourneyStore(EventStore, JourneyReader, Protocol):
    """A whole backend as the factory hands it out: log, projections and upkeep."""

    def verify_all(self) -> AsyncIterator[VerifyResult]: ...

    async def rebuild_projections(self, progress: Callable[[int], None] | None = None) -> int:
        """Recompute every projection from the log; returns the number of events folded.

        `progress`, if given, is called with the running count of events folded (long rebuilds)."""
        ...

    async def close(self) -> None: ...
