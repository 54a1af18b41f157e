"""An in-process event store with the same contract as the SQL one (tests, offline tools)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from domain.events import EventRecord
from store.base import ConcurrencyError, JourneyNotFound, StoredEvent
from store.hashing import GENESIS, canonical, chain_hash


class InMemoryEventStore:
    def __init__(self) -> None:
        self._events: dict[str, list[StoredEvent]] = {}
        self._lock = asyncio.Lock()
        self.appends = 0

    async def append(self, journey_id: str, records: list[EventRecord]) -> list[StoredEvent]:
        async with self._lock:
            log = self._events.setdefault(journey_id, [])
            out: list[StoredEvent] = []
            for r in records:
                body = canonical(journey_id, r.seq, r.kind, r.actor, r.occurred_at, r.payload)
                if r.seq <= len(log):
                    existing = log[r.seq - 1]
                    same = canonical(journey_id, existing.seq, existing.kind, existing.actor,
                                     existing.occurred_at, existing.payload)
                    if same != body:
                        raise ConcurrencyError(f"{journey_id} seq {r.seq} already holds another event")
                    out.append(existing)
                    continue
                if r.seq != len(log) + 1:
                    raise ConcurrencyError(f"{journey_id}: seq {r.seq} leaves a gap after {len(log)}")
                prev = log[-1].hash if log else GENESIS
                stored = StoredEvent(
                    journey_id=journey_id, seq=r.seq, kind=r.kind, actor=r.actor,
                    occurred_at=r.occurred_at, recorded_at=datetime.now(timezone.utc),
                    payload=r.payload, prev_hash=prev, hash=chain_hash(prev, body),
                )
                log.append(stored)
                out.append(stored)
                self.appends += 1
            return out

    async def read(self, journey_id: str) -> list[StoredEvent]:
        if journey_id not in self._events:
            raise JourneyNotFound(journey_id)
        return list(self._events[journey_id])
