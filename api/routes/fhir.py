"""A journey as an HL7 FHIR R4 Bundle, for a partner's health record system."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.access import Journey
from api.deps import Reader
from api.errors import ApiError
from api.responses import READ
from interop.fhir import journey_bundle
from store.base import JourneyNotFound as NotInStore

router = APIRouter(prefix="/v1/journeys/{journey_id}", tags=["interoperability"])

FHIR_JSON = "application/fhir+json"
OK: dict[int | str, dict[str, Any]] = {
    200: {"description": "An R4 Bundle (type collection)", "content": {FHIR_JSON: {"schema": {"type": "object"}}}},
}


@router.get("/fhir", response_class=Response, responses={**OK, **READ})
async def fhir_bundle(journey: Journey, reader: Reader, request: Request) -> Response:
    """The journey as an HL7 FHIR R4 `Bundle` (ops, managers, its centre): a CarePlan with an
    activity per stage, a Task per milestone, an Appointment per booking and follow-up visit,
    an Observation per CRS/ICANS grade and visit response, an AdverseEvent per adverse event.
    Built from the event log alone; the patient appears only as the opaque journey id."""
    try:
        stored = await reader.read(journey.journey_id)
    except NotInStore:
        stored = []
    if not stored:
        raise ApiError(
            503,
            "unavailable",
            "the journey's first events are not recorded yet; retry shortly",
            headers={"Retry-After": "1"},
        )
    # A stored event is an EventRecord (with its hashes): the mapper takes them as they are.
    bundle = journey_bundle(stored, as_of=request.app.state.clock())
    return Response(bundle.model_dump_json(exclude_none=True), media_type=FHIR_JSON)
