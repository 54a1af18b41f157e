"""Appends a journey's events to the domain event log, idempotently, in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from domain.events import EventRecord
from journeys.tracing import tracer
from store.base import ConcurrencyError, EventStore, StoreUnavailable

log = structlog.get_logger(__name__)


# Seals personal fields (the patient reference) before the append; see journeys.personal_data.
Sealer = Callable[[str, list[EventRecord]], Awaitable[list[EventRecord]]]


class RecordingActivities:
    def __init__(self, store: EventStore, seal: Sealer | None = None) -> None:
        self._store = store
        self._seal = seal

    @activity.defn(name=c.RECORD_EVENTS)
    async def record_events(self, inp: c.RecordEventsInput) -> c.RecordEventsResult:
        # Every failure stays retryable: the workflow's policy retries without limit,
        # so the journey waits for the system of record instead of failing. Replays of
        # a batch that was written before the worker died are answered idempotently.
        if not inp.events:
            raise ApplicationError("record_events needs at least one event", type="EmptyBatch", non_retryable=True)
        info = activity.info()
        where = {
            "journey_id": inp.journey_id,
            "seqs": f"{inp.events[0].seq}-{inp.events[-1].seq}",
            "attempt": info.attempt,
        }
        # Errors leave here without their cause (`from None`): a database error's text
        # carries the SQL parameters, i.e. the events (journey_started holds the patient
        # reference), and Temporal keeps failure messages unencrypted and the SDK logs the
        # whole chain. Store errors are written to be safe; anything else is named by type.
        try:
            events = await self._seal(inp.journey_id, inp.events) if self._seal else inp.events
            # The last span of a milestone's trace (journeys.tracing).
            with tracer.start_as_current_span(
                "store.append", attributes={"journey.id": inp.journey_id, "events.seqs": str(where["seqs"])}
            ):
                await self._store.append(inp.journey_id, events)
        except StoreUnavailable as err:
            log.warning("event store unreachable; the append will be retried", **where, error=str(err))
            raise ApplicationError(str(err), type="StoreUnavailable", non_retryable=False) from None
        except ConcurrencyError as err:
            # The log holds a different history for this journey: a person must look.
            log.error(
                "event log refused the append (conflicting history); it will be retried until resolved",
                **where,
                error=str(err),
            )
            raise ApplicationError(str(err), type="ConcurrencyError", non_retryable=False) from None
        except Exception as err:
            kind = _error_kind(err)
            log.warning("event store append failed; the append will be retried", **where, error=kind)
            raise ApplicationError(
                f"event store append failed: {kind}", type=type(err).__name__, non_retryable=False
            ) from None
        return c.RecordEventsResult(last_seq=inp.events[-1].seq)


def _error_kind(err: BaseException) -> str:
    """The error's type and its driver error's type; never its text, which may quote data."""
    orig = getattr(err, "orig", None)
    return type(err).__name__ + (f" ({type(orig).__name__})" if orig is not None else "")
