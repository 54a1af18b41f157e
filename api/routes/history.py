"""A journey's history: the domain event log (system of record) or Temporal's own history."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.access import Journey
from api.deps import Journeys, Reader, ReaderPrincipal
from api.models import HistoryEntryOut, HistoryOut
from api.responses import READ
from store.base import JourneyNotFound as NotInStore

# Payload fields that identify the patient: shown to ops only.
PERSONAL = frozenset({"patient_ref"})

router = APIRouter(prefix="/v1/journeys/{journey_id}", tags=["history"])


@router.get("/history", response_model=HistoryOut | dict[str, Any], responses=READ)
async def history(
    request: Request,
    reader_role: ReaderPrincipal,
    journey: Journey,
    reader: Reader,
    journeys: Journeys,
    source: Literal["events", "temporal"] = "events",
) -> HistoryOut | JSONResponse:
    """Domain events in order with actor, times and the hash chain (ops, managers).
    `?source=temporal` returns Temporal's raw history JSON instead (what the Temporal UI shows;
    payloads stay encrypted)."""
    if source == "temporal":
        return JSONResponse(await journeys.temporal_history(journey.journey_id))
    try:
        events = await reader.read(journey.journey_id)
    except NotInStore:
        events = []
    linked = all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    entries = [HistoryEntryOut.of(e) for e in events]
    if reader_role.role != "ops":
        # Managers read the clinical history, not who the patient is (the manager page hides it too).
        entries = [
            e.model_copy(update={"payload": {k: v for k, v in e.payload.items() if k not in PERSONAL}}) for e in entries
        ]
    else:
        # Ops read the reference unsealed (journeys.personal_data), or `[erased]` once erased.
        from api.personal_routes import vault

        sealed = vault(request)
        entries = [
            e.model_copy(update={"payload": await sealed.reveal(journey.journey_id, e.payload)})
            if PERSONAL & e.payload.keys()
            else e
            for e in entries
        ]
    return HistoryOut(
        journey_id=journey.journey_id,
        events=entries,
        chain_verified=linked and bool(events),
    )
