"""An in-process event store with the same contract as the SQL one (tests, offline tools)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from domain.events import EventRecord
from domain.state import JourneyState
from store.base import ConcurrencyError, JourneyNotFound, StoredEvent, VerifyResult
from store.hashing import GENESIS, canonical, chain_hash
from store.projection import JourneyRow, Page, StageDurationRow, apply_records, row_from_state


class InMemoryEventStore:
    def __init__(self) -> None:
        self._events: dict[str, list[StoredEvent]] = {}
        self._states: dict[str, JourneyState] = {}
        self._rows: dict[str, JourneyRow] = {}
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
                state = apply_records(self._states.get(journey_id), [r])
                self._states[journey_id] = state
                self._rows[journey_id] = row_from_state(state)
            return out

    async def read(self, journey_id: str) -> list[StoredEvent]:
        if journey_id not in self._events:
            raise JourneyNotFound(journey_id)
        return list(self._events[journey_id])

    async def get_row(self, journey_id: str) -> JourneyRow | None:
        return self._rows.get(journey_id)

    async def list_journeys(self, *, stage: str | None = None, centre: str | None = None,
                            overdue: bool | None = None, outcome: str | None = None,
                            limit: int = 50, cursor: str | None = None) -> Page:
        rows = sorted(self._rows.values(), key=lambda r: (r.started_at, r.journey_id))
        rows = [r for r in rows if (stage is None or r.stage == stage)
                and (centre is None or r.centre_id == centre)
                and (overdue is None or r.overdue == overdue)
                and (outcome is None or r.outcome == outcome)
                and (cursor is None or r.journey_id > cursor)]
        page = rows[:limit]
        return Page(rows=page, next_cursor=page[-1].journey_id if len(rows) > limit else None)

    async def verify(self, journey_id: str) -> VerifyResult:
        events = await self.read(journey_id)
        prev = GENESIS
        for e in events:
            body = canonical(journey_id, e.seq, e.kind, e.actor, e.occurred_at, e.payload)
            if e.prev_hash != prev or e.hash != chain_hash(prev, body):
                return VerifyResult(journey_id=journey_id, events=len(events), ok=False,
                                    first_broken_seq=e.seq, problem="hash does not match content")
            prev = e.hash
        return VerifyResult(journey_id=journey_id, events=len(events), ok=True)

    async def stage_durations(self) -> list[StageDurationRow]:
        totals: dict[tuple[str, str], list[float]] = {}
        for state in self._states.values():
            for visit in state.stages:
                if visit.left_at is not None:
                    days = state.policy.in_days(visit.left_at - visit.entered_at)
                    totals.setdefault((state.centre_id, visit.stage), []).append(days)
        return [StageDurationRow(centre_id=c, stage=st, visits=len(d), total_days=sum(d),
                                 mean_days=sum(d) / len(d)) for (c, st), d in sorted(totals.items())]
