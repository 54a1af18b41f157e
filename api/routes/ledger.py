"""`GET /v1/journeys/{id}/ledger`: the journey's money, folded from the event log (ops, managers)."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import Journey
from api.deps import Reader, ReaderPrincipal
from api.responses import READ
from domain import ledger as money
from journeys import reference_data
from store.base import JourneyNotFound as NotInStore
from store.base import StoredEvent

router = APIRouter(prefix="/v1/journeys/{journey_id}", tags=["ledger"])


def ledger_of(journey_id: str, events: list[StoredEvent]) -> money.Ledger:
    books = money.fold(((e.seq, e.to_event()) for e in events), reference_data.cost_ranges())
    return money.ledger(books.model_copy(update={"journey_id": journey_id}))


@router.get("/ledger", response_model=money.Ledger, responses=READ)
async def ledger(reader_role: ReaderPrincipal, journey: Journey, reader: Reader) -> money.Ledger:
    """The estimate (USD, and RMB at the rate recorded with the journey's policy), the deposit due
    before admission, charges from the centre, payments recorded by ops, refunds on withdrawal, and
    the balance in both currencies (positive: owed by the patient; negative: credit held). Amounts
    are decimal strings. `warnings` says when the estimate lies outside the product's cost range."""
    try:
        events = await reader.read(journey.journey_id)
    except NotInStore:
        events = []
    return ledger_of(journey.journey_id, events)
