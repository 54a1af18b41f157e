"""The manager page's capacity view: per centre, weeks across, resources down, full in red."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import Principal
from api.routes.capacity import CapacityOut, centre_capacity
from api.ui.routes import _gate, _page
from journeys import reference_data

router = APIRouter(prefix="/ui", include_in_schema=False)
WEEKS, MAX_WEEKS = 10, 26
RESOURCE_LABELS = {"apheresis": "Apheresis chairs", "bed": "Inpatient beds (admissions)"}


def _label(resource: str, product: str | None) -> str:
    if product:
        name = reference_data.products().get(product)
        return f"Manufacturing · {name.name.split(' (')[0] if name else product}"
    return RESOURCE_LABELS.get(resource, resource)


def _level(capacity: int | None, reserved: int) -> str:
    """A colour a manager reads at a glance: over, full, nearly full, room, unlimited."""
    if capacity is None:
        return "free"
    if reserved > capacity:
        return "over"
    if reserved >= capacity:
        return "full"
    return "high" if reserved * 10 >= capacity * 7 else "ok"


def grid(out: CapacityOut) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str | None], dict[str, Any]] = {}
    for s in out.slots:
        row = rows.setdefault((s.resource, s.product), {"label": _label(s.resource, s.product), "cells": []})
        row["cells"].append(
            {
                "week": s.week,
                "capacity": s.capacity,
                "reserved": s.reserved,
                "waiting": s.waiting,
                "level": _level(s.capacity, s.reserved),
            }
        )
    return list(rows.values())


@router.get("/capacity")
async def capacity_page(request: Request) -> Response:
    gate = _gate(request)
    if not isinstance(gate, Principal):
        return gate
    raw = request.query_params.get("weeks", "")
    weeks = min(max(int(raw), 1), MAX_WEEKS) if raw.isdigit() else WEEKS
    only = request.query_params.get("centre")
    centres = {k: c for k, c in reference_data.centres().items() if only in (None, "", k)}
    boards = []
    for centre_id, centre in (centres or reference_data.centres()).items():
        out = await centre_capacity(request, centre_id, weeks)
        boards.append(
            {
                "id": centre_id,
                "name": centre.name,
                "city": centre.city,
                "out": out,
                "rows": grid(out),
                "full_weeks": sum(1 for s in out.slots if s.resource == "apheresis" and s.full),
            }
        )
    return _page(
        request,
        "capacity.html",
        principal=gate,
        boards=boards,
        weeks=weeks,
        now=request.app.state.clock(),
        active="capacity",
    )
