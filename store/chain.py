"""Backend-neutral rules of the log: what an append may write, and whether a chain holds.

Every backend asks the same two questions, so they are answered once here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.events import EventRecord
from store.base import ConcurrencyError, StoredEvent, VerifyResult
from store.hashing import GENESIS, canonical, chain_hash


def body_of(journey_id: str, r: EventRecord | StoredEvent) -> str:
    return canonical(journey_id, r.seq, r.kind, r.actor, r.occurred_at, r.payload)


@dataclass(frozen=True)
class AppendPlan:
    """Events already stored that the batch replays, and the new ones to write."""

    replayed: list[StoredEvent]
    new: list[StoredEvent]


# Column widths of the SQL schema, checked for every backend so they all refuse alike.
MAX_ID, MAX_KIND, MAX_ACTOR = 64, 64, 128


def check_batch(journey_id: str, records: list[EventRecord]) -> None:
    if not 0 < len(journey_id) <= MAX_ID:
        raise ValueError(f"a journey id has 1-{MAX_ID} characters, got {len(journey_id)}")
    for r in records:
        if len(r.kind) > MAX_KIND or len(r.actor) > MAX_ACTOR:
            raise ValueError(
                f"{journey_id} seq {r.seq}: kind or actor too long (at most {MAX_KIND} and {MAX_ACTOR} characters)"
            )
    for before, after in zip(records, records[1:], strict=False):
        if after.seq != before.seq + 1:
            raise ConcurrencyError(
                f"{journey_id}: a batch must hold consecutive seqs, got {before.seq} then {after.seq}"
            )
    if records and records[0].seq < 1:
        raise ConcurrencyError(f"{journey_id}: seq starts at 1, got {records[0].seq}")


def plan_append(
    journey_id: str,
    records: list[EventRecord],
    *,
    last_seq: int,
    last_hash: str,
    stored: dict[int, StoredEvent],
    recorded_at: datetime,
) -> AppendPlan:
    """Decide an append against the log's tail.

    `stored` holds the already-written events the batch overlaps (seq <= last_seq).
    An identical replay is returned, not rewritten; anything else at a taken seq,
    or a seq that would leave a gap, is refused.
    """
    check_batch(journey_id, records)
    replayed: list[StoredEvent] = []
    new: list[StoredEvent] = []
    prev = last_hash
    for r in records:
        body = body_of(journey_id, r)
        if r.seq <= last_seq:
            existing = stored.get(r.seq)
            if existing is None or body_of(journey_id, existing) != body:
                raise ConcurrencyError(f"{journey_id} seq {r.seq} already holds another event")
            replayed.append(existing)
            continue
        if r.seq != last_seq + len(new) + 1:
            raise ConcurrencyError(f"{journey_id}: seq {r.seq} would leave a gap after seq {last_seq + len(new)}")
        event = sealed(journey_id, r, body, prev, recorded_at)
        new.append(event)
        prev = event.hash
    return AppendPlan(replayed=replayed, new=new)


def sealed(journey_id: str, r: EventRecord, body: str, prev: str, recorded_at: datetime) -> StoredEvent:
    """The record as stored: chained onto `prev` by the hash of its canonical `body`."""
    # The record was validated when it was made; validating its copy again is the
    # single most repeated cost of an append.
    return StoredEvent.model_construct(
        journey_id=journey_id,
        seq=r.seq,
        kind=r.kind,
        actor=r.actor,
        occurred_at=r.occurred_at,
        recorded_at=recorded_at,
        payload=r.payload,
        prev_hash=prev,
        hash=chain_hash(prev, body),
    )


def verify_chain(journey_id: str, events: list[StoredEvent]) -> VerifyResult:
    """Recompute every hash from content and check each link; name the first break."""
    prev, expected = GENESIS, 1
    for e in events:
        problem = None
        if e.seq != expected:
            problem = f"seq {e.seq} found where seq {expected} was expected (event missing)"
        elif e.prev_hash != prev:
            problem = "prev_hash does not match the previous event's hash (link broken)"
        elif e.hash != chain_hash(prev, body_of(journey_id, e)):
            problem = "hash does not match the event's content (changed after it was written)"
        if problem:
            return VerifyResult(
                journey_id=journey_id, events=len(events), ok=False, first_broken_seq=e.seq, problem=problem
            )
        prev, expected = e.hash, expected + 1
    return VerifyResult(journey_id=journey_id, events=len(events), ok=True)
