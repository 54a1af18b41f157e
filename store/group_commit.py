"""Group commit: the appends of many journeys that arrive together go in one transaction.

Appends queue here; one writer task takes everything queued (at most one batch per
journey, so each journey's batches stay in order), writes it in one transaction
through the backend's `GroupWriter`, and answers each caller. While a group is
being written the next one gathers, so the busier the store, the more appends
share a commit; a lone append waits for nobody.

Each journey in a group is judged on its own: its projection row moves only from
the version this process last saw (the same compare-and-set as a single append),
and a journey whose row had moved, whose batch replays stored events, or whose
head is unknown is handed back (`None`) to the single-append path, which reads
the database and answers idempotently or refuses. So a group never decides a
race; it only saves the commits of appends that meet no race.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog

from domain.events import EventRecord
from domain.stages import Stage
from domain.state import JourneyState
from store.base import StoredEvent, StoreUnavailable
from store.chain import body_of, sealed
from store.hashing import GENESIS
from store.head import Head, HeadCache
from store.projection import apply_records, closed_visits, row_values

log = structlog.get_logger(__name__)

# Bounded so one transaction stays short and a statement's arrays stay small.
MAX_GROUP = 128


@dataclass
class Planned:
    """One journey's share of a group: what to write and the head it leaves."""

    journey_id: str
    expected: Head
    new: list[StoredEvent]
    after: JourneyState
    row: dict[str, Any]
    snapshot: str
    durations: list[tuple[str, Stage, int]]

    @property
    def head(self) -> Head:
        return Head(self.new[-1].seq, self.new[-1].hash, self.after, True)


class GroupWriter(Protocol):
    async def load_heads(self, journey_ids: list[str]) -> dict[str, Head]:
        """Heads of the journeys that have a projection row (others are left out)."""
        ...

    async def write(self, group: list[Planned]) -> set[str]:
        """One transaction; returns the journeys whose rows moved (their events are in)."""
        ...

    async def close(self) -> None: ...


def plan(journey_id: str, records: list[EventRecord], head: Head, recorded_at: datetime) -> Planned | None:
    """The batch's events on top of `head`, or None when it does not start right after it."""
    if records[0].seq != head.last_seq + 1:
        return None
    prev, new = head.last_hash, []
    for r in records:
        event = sealed(journey_id, r, body_of(journey_id, r), prev, recorded_at)
        new.append(event)
        prev = event.hash
    after = apply_records(head.state, records)
    return Planned(
        journey_id, head, new, after, row_values(after), after.model_dump_json(), closed_visits(head.state, after)
    )


@dataclass
class _Waiting:
    journey_id: str
    records: list[EventRecord]
    done: asyncio.Future[list[StoredEvent] | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


NEW_JOURNEY = Head(0, GENESIS, None, False)


class GroupCommitter:
    def __init__(
        self, writer: GroupWriter, heads: HeadCache, lock: contextlib.AbstractAsyncContextManager[Any]
    ) -> None:
        self._writer, self._heads, self._lock = writer, heads, lock
        self._queue: deque[_Waiting] = deque()
        self._task: asyncio.Task[None] | None = None
        # Transactions written and appends they carried (the benchmark reports the mean).
        self.groups = self.grouped = 0

    async def append(self, journey_id: str, records: list[EventRecord]) -> list[StoredEvent] | None:
        """The stored events, or None: this append needs the single-append path."""
        waiting = _Waiting(journey_id, records)
        self._queue.append(waiting)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return await waiting.done

    async def _drain(self) -> None:
        while self._queue:
            group: list[_Waiting] = []
            later: list[_Waiting] = []
            seen: set[str] = set()
            while self._queue and len(group) < MAX_GROUP:
                w = self._queue.popleft()
                (later if w.journey_id in seen else group).append(w)
                seen.add(w.journey_id)
            self._queue.extendleft(reversed(later))
            await self._commit([w for w in group if not w.done.done()])

    async def _commit(self, group: list[_Waiting]) -> None:
        try:
            async with self._lock:
                planned = await self._plan(group)
                moved = await self._writer.write(planned) if planned else set()
            self.groups += bool(planned)
            self.grouped += len(moved)
        except StoreUnavailable as err:
            # Whether it committed is unknown: every caller retries, against the database.
            for w in group:
                self._heads.drop(w.journey_id)
                if not w.done.done():
                    w.done.set_exception(err)
            return
        except Exception as err:  # noqa: BLE001 - nothing committed; each append goes alone
            log.warning("group append fell back to single appends", error=type(err).__name__, journeys=len(group))
            for w in group:
                self._heads.drop(w.journey_id)
            planned, moved = [], set()
        by_id = {p.journey_id: p for p in planned}
        for w in group:
            p = by_id.get(w.journey_id)
            if p is not None and w.journey_id in moved:
                self._heads.put(w.journey_id, p.head)
                result: list[StoredEvent] | None = p.new
            else:
                if p is not None:
                    self._heads.drop(w.journey_id)
                result = None
            if not w.done.done():
                w.done.set_result(result)

    async def _plan(self, group: list[_Waiting]) -> list[Planned]:
        unknown = [w.journey_id for w in group if self._heads.get(w.journey_id) is None and w.records[0].seq > 1]
        loaded = await self._writer.load_heads(unknown) if unknown else {}
        now = datetime.now(UTC)
        out = []
        for w in group:
            head = self._heads.get(w.journey_id) or loaded.get(w.journey_id)
            if head is None and w.records[0].seq == 1:
                # A journey's first batch: its row is inserted only if none exists yet.
                head = NEW_JOURNEY
            p = plan(w.journey_id, w.records, head, now) if head is not None else None
            if p is not None:
                out.append(p)
        return out

    async def close(self) -> None:
        if self._task is not None:
            with contextlib.suppress(BaseException):
                await self._task
        await self._writer.close()
