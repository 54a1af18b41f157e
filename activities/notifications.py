"""Notifications to patients, centres and ops, and safety alerts, through one webhook.

Without a webhook URL they become structured log lines, so nothing is lost in
development. Messages name the journey by its opaque id only.
"""

from __future__ import annotations

import httpx
import structlog
from temporalio import activity

from activities import contracts as c
from activities.http import post_json

log = structlog.get_logger(__name__)


class NotificationActivities:
    def __init__(self, notify_url: str | None, client: httpx.AsyncClient | None = None) -> None:
        self._url = notify_url.rstrip("/") if notify_url else None
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0))

    @activity.defn(name=c.NOTIFY)
    async def notify(self, n: c.Notification) -> c.Done:
        if self._url:
            await post_json(self._client, f"{self._url}/notifications", n.model_dump(), n.idempotency_key)
        log.info("notification sent", journey_id=n.journey_id, audience=n.audience, message=n.message)
        return c.Done()

    @activity.defn(name=c.RAISE_SAFETY_ALERT)
    async def raise_safety_alert(self, a: c.SafetyAlert) -> c.Done:
        if self._url:
            await post_json(self._client, f"{self._url}/safety-alerts", a.model_dump(mode="json"),
                            a.idempotency_key)
        log.warning("safety alert raised", journey_id=a.journey_id, severity=str(a.severity),
                    code=a.code, message=a.message)
        return c.Done()
