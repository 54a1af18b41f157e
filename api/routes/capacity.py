"""A centre's weekly capacity: slots per resource and ISO week, reserved and waiting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentPrincipal
from api.errors import ApiError
from api.responses import READ
from domain.capacity import APHERESIS, Slot, week_label
from domain.capacity_view import expected, usage
from journeys import reference_data
from store.capacity import CapacityStore, capacity_store_for

router = APIRouter(prefix="/v1/centres", tags=["capacity"])

MAX_WEEKS = 52


class SlotOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    resource: str = Field(description="apheresis | manufacturing | bed (admissions that week)")
    product: str | None = Field(description="for manufacturing: the product the slots are for")
    week: str = Field(description="ISO week, e.g. 2026-W49")
    capacity: int | None = Field(description="slots that week; null when the centre does not limit it")
    reserved: int
    waiting: int = Field(description="journeys on the waiting list expected in this week")
    full: bool


class WaitingOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    journey_id: str
    position: int
    expected_week: str | None = Field(description="ISO week of the expected apheresis, if any in sight")


class CapacityOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    centre_id: str
    horizon_weeks: int = Field(description="weeks ahead in which reservations are taken")
    weeks: list[str]
    slots: list[SlotOut]
    waiting_list: list[WaitingOut]


def capacity_store(request: Request) -> CapacityStore:
    """The capacity book beside the API's event store, with this deployment's capacity file."""
    state = request.app.state
    if getattr(state, "capacity", None) is None:
        state.capacity = capacity_store_for(state.reader, reference_data.capacities(state.settings.capacity_file))
    store: CapacityStore = state.capacity
    return store


async def centre_capacity(request: Request, centre_id: str, weeks: int) -> CapacityOut:
    """Shared by the API and the manager page."""
    book = await capacity_store(request).book(centre_id)
    now = request.app.state.clock()
    rows = usage(book, now, weeks)
    return CapacityOut(
        centre_id=centre_id,
        horizon_weeks=book.capacity.horizon_weeks,
        weeks=list(dict.fromkeys(r.week for r in rows)),
        slots=[SlotOut(**r.model_dump(), full=r.full) for r in rows],
        waiting_list=[
            WaitingOut(journey_id=entry.journey_id, position=i, expected_week=_apheresis_week(slots))
            for i, (entry, slots) in enumerate(expected(book, now), start=1)
        ],
    )


def _apheresis_week(slots: tuple[Slot, ...] | None) -> str | None:
    week = next((s.week for s in slots or () if s.resource == APHERESIS), None)
    return week_label(week) if week else None


CentreIdParam = Annotated[str, Path(max_length=64, description="A centre id from GET /v1/centres")]


async def visible_centre(centre_id: CentreIdParam, principal: CurrentPrincipal) -> str:
    """Ops and managers see every centre; a centre sees only its own."""
    if centre_id not in reference_data.centres():
        raise ApiError(404, "not_found", f"no centre {centre_id}")
    if not principal.can_see(centre_id):
        raise ApiError(403, "forbidden", "a centre may read only its own capacity")
    return centre_id


VisibleCentre = Annotated[str, Depends(visible_centre)]


@router.get("/{centre_id}/capacity", response_model=CapacityOut, responses=READ)
async def capacity(
    request: Request, centre_id: VisibleCentre, weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS)] = 8
) -> CapacityOut:
    """Per resource (apheresis chairs, manufacturing slots per product, inpatient-bed admissions)
    and ISO week from the current one: `capacity`, `reserved` and `waiting` (journeys on the
    waiting list expected that week), plus the waiting list in order. Ops, managers, that centre."""
    return await centre_capacity(request, centre_id, weeks)
