"""Erasure of a patient's personal data (ops): `DELETE /v1/journeys/{id}/personal-data`, and by
patient reference, `POST /v1/personal-data/erasures` (the reference in the body, not in a URL).

Order matters: the journey's data key is destroyed first (from then on nothing can read the
reference), then the erasure is recorded in the journey's log with its actor: through the
workflow while it runs (the log's only writer), or appended directly once the journey and its
long-term surveillance have closed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.access import Journey
from api.deps import Journeys, OpsPrincipal, Principal, Reader
from api.errors import ApiError
from api.responses import WRITE
from domain import rules
from domain.events import to_record
from journeys.client import MAX_JOURNEYS_PER_PATIENT, JourneyClient, JourneyNotFound, Refused
from journeys.personal_data import PatientDataVault, patient_data_vault
from journeys.temporal import journey_id_for
from store.base import JourneyNotFound as NotInStore
from store.base import JourneyReader

log = structlog.get_logger("api")
router = APIRouter(tags=["personal data"])


class ErasureOut(BaseModel):
    journey_id: str
    erased: bool = Field(description="The journey's data key is destroyed: its patient reference reads `[erased]`")
    event_recorded: bool = Field(description="A `personal_data_erased` event with your actor is in the journey's log")


class PatientErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient_ref: str = Field(min_length=1, max_length=200)


class PatientErasureOut(BaseModel):
    journeys: list[str]
    erasures: list[ErasureOut]


def vault(request: Request) -> PatientDataVault:
    state = request.app.state
    if getattr(state, "vault", None) is None:
        state.vault = patient_data_vault(state.settings, state.reader)
    return state.vault  # type: ignore[no-any-return]


async def erase(
    v: PatientDataVault, journeys: JourneyClient, reader: JourneyReader, journey_id: str, ops: Principal
) -> ErasureOut:
    await v.erase(journey_id, str(ops.actor))
    log.info("personal data erased", journey_id=journey_id, actor=str(ops.actor))
    try:
        await journeys.erase_personal_data(journey_id, ops.actor)
        return ErasureOut(journey_id=journey_id, erased=True, event_recorded=True)
    except (Refused, JourneyNotFound):
        pass  # closed (or past Temporal's retention): the log may have no writer left
    row = await reader.get_row(journey_id)
    if row is not None and row.surveillance == "active":
        # Its surveillance child writes the log now; the key is gone all the same.
        return ErasureOut(journey_id=journey_id, erased=True, event_recorded=False)
    try:
        events = await reader.read(journey_id)
    except NotInStore:
        events = []
    [event] = rules.erase_personal_data(ops.actor, datetime.now(UTC))
    await reader.append(journey_id, [to_record(event, (events[-1].seq if events else 0) + 1)])  # type: ignore[attr-defined]
    return ErasureOut(journey_id=journey_id, erased=True, event_recorded=True)


@router.delete("/v1/journeys/{journey_id}/personal-data", response_model=ErasureOut, responses=WRITE)
async def erase_journey(
    request: Request, ops: OpsPrincipal, journey: Journey, journeys: Journeys, reader: Reader
) -> ErasureOut:
    """Erase the patient's personal data in this journey (ops): its data key is destroyed, the
    clinical history stays (pseudonymous) and its hash chain still verifies."""
    return await erase(vault(request), journeys, reader, journey.journey_id, ops)


@router.post("/v1/personal-data/erasures", response_model=PatientErasureOut, responses=WRITE)
async def erase_patient(
    request: Request, body: PatientErasureIn, ops: OpsPrincipal, journeys: Journeys, reader: Reader
) -> PatientErasureOut:
    """Erase a patient's personal data in every one of their journeys (ops): `journeys erase-patient`."""
    found: list[str] = []
    key = request.app.state.settings.id_key.get_secret_value()
    for ordinal in range(1, MAX_JOURNEYS_PER_PATIENT + 1):
        journey_id = journey_id_for(body.patient_ref, key, ordinal)
        if await reader.get_row(journey_id) is None:
            try:
                await journeys.view(journey_id)
            except JourneyNotFound:
                break  # a patient's journeys are numbered without gaps
        found.append(journey_id)
    if not found:
        raise ApiError(404, "not_found", "no journey for that patient reference")
    erasures = [await erase(vault(request), journeys, reader, j, ops) for j in found]
    return PatientErasureOut(journeys=found, erasures=erasures)
