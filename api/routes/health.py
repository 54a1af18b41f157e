"""`/livez` and `/readyz`: liveness and readiness for orchestrators (compose, Kubernetes).

`/livez` is 200 while the process serves requests; `/readyz` is 200 only when
Temporal and the event store answer, 503 otherwise (with which one failed), so a
load balancer takes the API out of rotation instead of sending it writes it would 503.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from journeys.health import readiness

router = APIRouter(tags=["health"])

Check = Literal["ok", "unreachable"]


class LiveOut(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyOut(BaseModel):
    status: Literal["ready", "not_ready"]
    temporal: Check
    database: Check


@router.get("/livez", response_model=LiveOut)
async def livez() -> LiveOut:
    """Liveness: 200 while the process answers (restart it only when this fails)."""
    return LiveOut()


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 when Temporal and the event store both answer within 2 s, else 503."""
    checks = await readiness(request.app.state.journeys.client, request.app.state.reader)
    ready = all(v == "ok" for v in checks.values())
    body = ReadyOut(status="ready" if ready else "not_ready", **checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
