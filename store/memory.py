"""An in-process event store with the same contract as the SQL one (tests, offline tools)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from domain.events import EventRecord
from domain.stages import Stage
from domain.state import JourneyState
from store.base import JourneyNotFound, StoredEvent, VerifyResult
from store.chain import plan_append, verify_chain
from store.hashing import GENESIS
from store.projection import (
    JourneyRow,
    Page,
    StageDurationRow,
    apply_records,
    closed_visits,
    decode_cursor,
    duration_row,
    encode_cursor,
    row_from_state,
)


class InMemoryEventStore:
    def __init__(self) -> None:
        self._events: dict[str, list[StoredEvent]] = {}
        self._states: dict[str, JourneyState] = {}
        self._rows: dict[str, JourneyRow] = {}
        self._lock = asyncio.Lock()
        self.appends = 0

    async def append(self, journey_id: str, records: list[EventRecord]) -> list[StoredEvent]:
        async with self._lock:
            log = self._events.get(journey_id, [])
            plan = plan_append(
                journey_id,
                records,
                last_seq=len(log),
                last_hash=log[-1].hash if log else GENESIS,
                stored={e.seq: e for e in log},
                recorded_at=datetime.now(UTC),
            )
            if plan.new:
                # Fold before storing so an unfoldable event leaves nothing behind.
                state = apply_records(self._states.get(journey_id), plan.new)
                self._events[journey_id] = log + plan.new
                self._states[journey_id] = state
                self._rows[journey_id] = row_from_state(state)
                self.appends += len(plan.new)
            return plan.replayed + plan.new

    async def read(self, journey_id: str) -> list[StoredEvent]:
        if journey_id not in self._events:
            raise JourneyNotFound(journey_id)
        return list(self._events[journey_id])

    async def get_row(self, journey_id: str) -> JourneyRow | None:
        return self._rows.get(journey_id)

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
    ) -> Page:
        after = decode_cursor(cursor) if cursor else None
        rows = sorted(self._rows.values(), key=lambda r: (r.started_at, r.journey_id))
        rows = [
            r
            for r in rows
            if (stage is None or r.stage == stage)
            and (centre is None or r.centre_id == centre)
            and (overdue is None or r.overdue == overdue)
            and (outcome is None or r.outcome == outcome)
            and (surveillance is None or r.surveillance == surveillance)
            and (after is None or (r.started_at, r.journey_id) > after)
        ]
        page = rows[:limit]
        return Page(rows=page, next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None)

    async def verify(self, journey_id: str) -> VerifyResult:
        return verify_chain(journey_id, await self.read(journey_id))

    async def verify_all(self) -> AsyncIterator[VerifyResult]:
        for journey_id in sorted(self._events):
            yield await self.verify(journey_id)

    async def stage_durations(self) -> list[StageDurationRow]:
        totals: dict[tuple[str, Stage], tuple[int, int]] = {}
        for state in self._states.values():
            for centre, stage, micros in closed_visits(None, state):
                visits, total = totals.get((centre, stage), (0, 0))
                totals[(centre, stage)] = (visits + 1, total + micros)
        return [duration_row(c, st, n, t) for (c, st), (n, t) in sorted(totals.items())]

    async def rebuild_projections(self, progress: Callable[[int], None] | None = None) -> int:
        async with self._lock:
            self._states = {j: apply_records(None, log) for j, log in self._events.items()}
            self._rows = {j: row_from_state(s) for j, s in self._states.items()}
            return sum(len(log) for log in self._events.values())

    async def close(self) -> None:
        return None

    def tamper(self, journey_id: str, seq: int, payload: dict[str, object]) -> None:
        """Rewrite a stored payload behind the chain's back (tests of `verify`)."""
        log = self._events[journey_id]
        log[seq - 1] = log[seq - 1].model_copy(update={"payload": payload})
