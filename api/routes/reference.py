"""Reference data every role may read, and the health check."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request

from api.deps import CurrentPrincipal
from api.models import CentreOut, HealthOut, ProductOut
from api.responses import READ
from journeys import reference_data

router = APIRouter(prefix="/v1", tags=["reference"])
health = APIRouter(tags=["health"])


@router.get("/products", response_model=list[ProductOut], responses=READ)
async def products(principal: CurrentPrincipal) -> list[ProductOut]:
    """The CAR-T products approved in China: id, name, target, indication, year, manufacturer."""
    return [ProductOut.model_validate(p.model_dump()) for p in reference_data.products().values()]


@router.get("/centres", response_model=list[CentreOut], responses=READ)
async def centres(principal: CurrentPrincipal) -> list[CentreOut]:
    """The partner treatment centres: id, name, city."""
    return [CentreOut.model_validate(c.model_dump()) for c in reference_data.centres().values()]


@health.get("/healthz", response_model=HealthOut)
async def healthz(request: Request) -> HealthOut:
    """Liveness: 200 while the API runs; `temporal` says whether Temporal answers right now."""
    client = request.app.state.journeys.client
    try:
        ok = await client.service_client.check_health(timeout=timedelta(seconds=2))
    except Exception:  # any failure to answer is "unreachable" for a health check
        ok = False
    return HealthOut(status="ok", temporal="ok" if ok else "unreachable")
