"""Appends a journey's events to the domain event log, idempotently, in order."""

from __future__ import annotations

import structlog
from temporalio import activity

from activities import contracts as c
from store.base import EventStore

log = structlog.get_logger(__name__)


class RecordingActivities:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    @activity.defn(name=c.RECORD_EVENTS)
    async def record_events(self, inp: c.RecordEventsInput) -> c.RecordEventsResult:
        try:
            await self._store.append(inp.journey_id, inp.events)
        except Exception as err:
            # Retried by the workflow's policy: the journey waits, it does not fail.
            log.warning("event store append failed; will retry", journey_id=inp.journey_id,
                        attempt=activity.info().attempt, error=type(err).__name__)
            raise
        return c.RecordEventsResult(last_seq=inp.events[-1].seq)
