"""Bookings with centres and the travel desk: teleconsult slots, flights, accommodation, interpreters.

Every call carries an Idempotency-Key derived from the journey id and event
sequence, so a retried activity never books twice. A centre with no configured
URL is simulated in-process (development and the offline demo).
"""

from __future__ import annotations

import hashlib

import httpx
import structlog
from temporalio import activity

from activities import contracts as c
from activities.http import post_json

log = structlog.get_logger(__name__)


class CentreActivities:
    def __init__(self, centre_urls: dict[str, str], client: httpx.AsyncClient | None = None) -> None:
        self._urls = centre_urls
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0))

    def _base(self, centre_id: str) -> str | None:
        return self._urls.get(centre_id) or self._urls.get("*")

    @activity.defn(name=c.BOOK)
    async def book(self, req: c.BookingRequest) -> c.BookingConfirmation:
        base = self._base(req.centre_id)
        if base is None:
            ref = "SIM-" + hashlib.sha256(req.idempotency_key.encode()).hexdigest()[:10].upper()
            log.info("booking simulated", journey_id=req.journey_id, item=req.item, reference=ref)
            return c.BookingConfirmation(item=req.item, reference=ref)
        body = await post_json(
            self._client,
            f"{base.rstrip('/')}/bookings",
            {"journey_id": req.journey_id, "item": req.item},
            req.idempotency_key,
        )
        log.info("booked", journey_id=req.journey_id, item=req.item, reference=body["reference"])
        return c.BookingConfirmation(item=req.item, reference=str(body["reference"]))

    @activity.defn(name=c.CANCEL_BOOKING)
    async def cancel_booking(self, req: c.CancelRequest) -> c.Done:
        base = self._base(req.centre_id)
        if base is not None:
            await post_json(
                self._client,
                f"{base.rstrip('/')}/bookings/{req.reference}/cancel",
                {"journey_id": req.journey_id, "item": req.item},
                req.idempotency_key,
            )
        log.info("booking cancelled", journey_id=req.journey_id, item=req.item, reference=req.reference)
        return c.Done()
