"""Starting journeys, listing them, and one journey's current state."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.access import Journey, current_view
from api.deps import CurrentPrincipal, Journeys, OpsPrincipal, Reader
from api.errors import ApiError
from api.models import JourneyOut, JourneyPageOut, JourneyRowOut, StartJourneyIn, enumerated
from api.responses import READ, WRITE
from domain.stages import Outcome, Stage
from journeys import reference_data

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])


@router.post("", status_code=201, response_model=JourneyOut, responses=WRITE)
async def start_journey(body: StartJourneyIn, ops: OpsPrincipal, journeys: Journeys, response: Response) -> JourneyOut:
    """Start a patient's journey in stage `records` (ops). 409 if the patient already has an
    active journey (`journey_id` names it); 422 for an unknown centre or product."""
    view = await journeys.start(
        patient_ref=body.patient_ref,
        centre_id=body.centre_id,
        product=body.product,
        actor=ops.actor,
        language=body.language,
        interpreter_needed=body.interpreter_needed,
    )
    response.headers["Location"] = f"/v1/journeys/{view.journey_id}"
    return JourneyOut.of(view)


@router.get("", response_model=JourneyPageOut, responses=READ)
async def list_journeys(
    principal: CurrentPrincipal,
    reader: Reader,
    stage: Stage | None = None,
    centre: Annotated[str | None, Query(max_length=64, json_schema_extra=enumerated(reference_data.centres))] = None,
    overdue: bool | None = None,
    outcome: Outcome | None = None,
    surveillance: Annotated[
        Literal["active", "ended"] | None,
        Query(description="Long-term surveillance after a completed journey: `active` or `ended`"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JourneyPageOut:
    """Journeys from the projections, oldest first, in pages (`next_cursor`). Ops and managers
    see every centre; a centre token sees only its own journeys."""
    if centre is not None and centre not in reference_data.centres():
        raise ApiError(422, "unknown_reference", f"unknown centre {centre!r}; see GET /v1/centres")
    if principal.role == "centre":
        if centre not in (None, principal.centre_id):
            raise ApiError(403, "forbidden", "a centre token lists only its own centre's journeys")
        centre = principal.centre_id
    page = await reader.list_journeys(
        stage=stage.value if stage else None,
        centre=centre,
        overdue=overdue,
        outcome=outcome.value if outcome else None,
        limit=limit,
        cursor=cursor,
        surveillance=surveillance,
    )
    return JourneyPageOut(journeys=[JourneyRowOut.of(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get("/{journey_id}", response_model=JourneyOut, responses=READ)
async def get_journey(journey: Journey, journeys: Journeys, reader: Reader) -> JourneyOut:
    """Current stage, deadlines, COI, open alerts and outcome (ops, managers, its centre)."""
    view, live = await current_view(journey, journeys, reader)
    return JourneyOut.of(view, "temporal" if live else "event_log")
