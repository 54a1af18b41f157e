"""Carries out capacity commands against the centre's book (serialised per centre by the store)."""

from __future__ import annotations

from functools import partial

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.capacity_contracts import (
    CAPACITY,
    CapacityInput,
    CapacityResult,
    Look,
    Rebook,
    Release,
    Replan,
    Reserve,
)
from domain import capacity as cap
from domain.capacity import CentreBook, Change
from domain.capacity_view import placements
from store.base import StoreUnavailable
from store.capacity import CapacityStore

log = structlog.get_logger(__name__)


def _unchanged(book: CentreBook, journey_id: str) -> Change:
    return Change(book=book, reservation=book.find(journey_id))


class CapacityActivities:
    def __init__(self, store: CapacityStore) -> None:
        self._store = store

    @activity.defn(name=CAPACITY)
    async def capacity(self, inp: CapacityInput) -> CapacityResult:
        # Every command is idempotent on the book (reserving twice holds one reservation,
        # releasing twice releases once), so a retried activity changes nothing more.
        cmd = inp.command
        match cmd:
            case Reserve(need=need):
                op = partial(cap.reserve, journey_id=cmd.journey_id, need=need, now=cmd.at)
            case Release():
                op = partial(cap.release, journey_id=cmd.journey_id, now=cmd.at)
            case Rebook(need=need):
                op = partial(cap.rebook, journey_id=cmd.journey_id, need=need, now=cmd.at)
            case Replan(targets=targets, forced=forced):
                op = partial(
                    cap.replan, journey_id=cmd.journey_id, targets=targets, now=cmd.at, forced=frozenset(forced)
                )
            case Look():
                op = partial(_unchanged, journey_id=cmd.journey_id)
        try:
            before = placements(await self._store.book(cmd.centre_id), cmd.at)
            change = await self._store.apply(cmd.centre_id, op)
        except StoreUnavailable as err:
            raise ApplicationError(str(err), type="StoreUnavailable") from None
        log.info(
            "capacity",
            op=cmd.op,
            journey_id=cmd.journey_id,
            centre_id=cmd.centre_id,
            promoted=len(change.promoted),
            overbooked=len(change.overbooked),
        )
        after = placements(change.book, cmd.at)
        return CapacityResult(
            placement=after.get(cmd.journey_id),
            promoted=[p.journey_id for p in change.promoted],
            # Told to look again: a change can move others up the queue or out of it.
            moved=sorted(
                j for j in after.keys() | before.keys() if j != cmd.journey_id and after.get(j) != before.get(j)
            ),
            overbooked=list(change.overbooked),
        )
