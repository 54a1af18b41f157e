"""GET /metrics: the business picture for Prometheus, computed from the projections.

Open journeys per stage and centre, how many of them are overdue, unacknowledged
alerts by severity (read from the event log of the journeys that have any), and the
milestone refusals counted by the client layer. One answer is reused for
`JOURNEYS_METRICS_CACHE_SECONDS`, so a scrape every few seconds reads the store at most
that often. Counts only, never a journey id; still, it needs an ops or manager token.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest

from api.access import logged_state
from api.deps import AppSettings, Reader, ReaderPrincipal
from domain.stages import Severity, Stage
from store.base import JourneyReader

router = APIRouter(include_in_schema=False)

JOURNEYS = Gauge("journeys_active", "Open journeys by stage and centre", ["stage", "centre"])
OVERDUE = Gauge("journeys_overdue", "Open journeys past a deadline, by stage and centre", ["stage", "centre"])
OPEN_ALERTS = Gauge("journeys_open_alerts", "Unacknowledged alerts on open journeys, by severity", ["severity"])
PAGE = 200

_lock = asyncio.Lock()
_fresh_until = 0.0


async def refresh(reader: JourneyReader) -> None:
    """Recompute the gauges from the projections (every open stage, page by page)."""
    active: Counter[tuple[str, str]] = Counter()
    overdue: Counter[tuple[str, str]] = Counter()
    alerted: list[str] = []
    for stage in Stage:
        if stage == Stage.ENDED:
            continue
        cursor: str | None = None
        while True:
            page = await reader.list_journeys(stage=stage.value, limit=PAGE, cursor=cursor)
            for row in page.rows:
                key = (row.stage.value, row.centre_id)
                active[key] += 1
                overdue[key] += row.overdue
                if row.open_alerts:
                    alerted.append(row.journey_id)
            cursor = page.next_cursor
            if cursor is None:
                break
    severities: Counter[str] = Counter({s.value: 0 for s in Severity})
    for journey_id in alerted:
        state = await logged_state(reader, journey_id)
        for alert in state.open_alerts if state else ():
            severities[alert.severity.value] += 1
    for gauge, counts in ((JOURNEYS, active), (OVERDUE, overdue)):
        gauge.clear()
        for (stage_name, centre), n in counts.items():
            gauge.labels(stage=stage_name, centre=centre).set(n)
    for severity, n in severities.items():
        OPEN_ALERTS.labels(severity=severity).set(n)


@router.get("/metrics")
async def metrics(request: Request, principal: ReaderPrincipal, reader: Reader, settings: AppSettings) -> Response:
    global _fresh_until
    async with _lock:
        if time.monotonic() >= _fresh_until:
            await refresh(reader)
            _fresh_until = time.monotonic() + settings.metrics_cache_seconds
        body = generate_latest(REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
