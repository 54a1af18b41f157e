"""Notifications to patients, centres and ops, and safety alerts: webhook and email channels.

One `notify` activity delivers a notification on every configured channel (the
webhook, and email over SMTP where the audience has an address). Channels retry
independently: each delivered channel is recorded in the activity's heartbeat,
and a retried attempt skips what already went out, so a failing webhook never
resends the patient's email (and each channel's idempotency key or Message-ID
marks a resend should a heartbeat be lost). Without any channel a notification
becomes a structured log line, so nothing is lost in development.

Patient messages are rendered from templates in the journey's language
(domain/messages); ops and centre messages stay in English. Messages name the
journey by its opaque id only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import structlog
from temporalio import activity

from activities import contracts as c
from activities import mail
from activities.http import post_json
from domain.messages.params import Param, Text
from domain.messages.render import Rendered, render

log = structlog.get_logger(__name__)

EMAIL, WEBHOOK = "email", "webhook"


def _delivered_before() -> set[str]:
    details = activity.info().heartbeat_details
    return set(details[0]) if details and isinstance(details[0], list) else set()


class NotificationActivities:
    def __init__(
        self,
        notify_url: str | None,
        client: httpx.AsyncClient | None = None,
        *,
        mail_config: mail.MailConfig | None = None,
        centre_zone: Callable[[str], str] = lambda _centre: "Asia/Shanghai",
        centre_name: Callable[[str], str] = lambda centre: centre,
    ) -> None:
        self._url = notify_url.rstrip("/") if notify_url else None
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        self._mail = mail_config
        self._zone = centre_zone
        self._centre_name = centre_name
        # Missing translations are logged once per (language, template), not per message.
        self._fallbacks_logged: set[tuple[str, str]] = set()

    def _render(self, n: c.Notification) -> Rendered | None:
        if n.template is None:
            return None
        # Every template may name the centre; the workflow knows only its id.
        params: dict[str, Param] = {"centre": Text(value=self._centre_name(n.centre_id)), **n.params}
        text = render(n.template, params, n.language, self._zone(n.centre_id))
        if text.fell_back and (n.language, n.template) not in self._fallbacks_logged:
            self._fallbacks_logged.add((n.language, n.template))
            log.warning("no translation, sent in English", language=n.language, template=n.template)
        return text

    @activity.defn(name=c.NOTIFY)
    async def notify(self, n: c.Notification) -> c.Done:
        text = self._render(n)
        done = _delivered_before()
        recipient = self._mail.recipient(n) if self._mail else None
        if self._url and WEBHOOK not in done:
            await post_json(self._client, f"{self._url}/notifications", _webhook_body(n, text), n.idempotency_key)
            done.add(WEBHOOK)
            activity.heartbeat(sorted(done))
        if self._mail and recipient and EMAIL not in done:
            await mail.send(self._mail, mail.compose(n, text, self._mail.sender, recipient))
            done.add(EMAIL)
            activity.heartbeat(sorted(done))
        log.info(
            "notification sent",
            journey_id=n.journey_id,
            audience=n.audience,
            template=n.template,
            language=text.catalogue if text else "en",
            channels=sorted(done) or ["log"],
            message=n.message,
        )
        return c.Done()

    @activity.defn(name=c.RAISE_SAFETY_ALERT)
    async def raise_safety_alert(self, a: c.SafetyAlert) -> c.Done:
        if self._url:
            await post_json(self._client, f"{self._url}/safety-alerts", a.model_dump(mode="json"), a.idempotency_key)
        log.warning(
            "safety alert raised", journey_id=a.journey_id, severity=str(a.severity), code=a.code, message=a.message
        )
        return c.Done()


def _webhook_body(n: c.Notification, text: Rendered | None) -> dict[str, Any]:
    body = n.model_dump(mode="json", exclude={"params"})
    if text is not None:
        # The webhook's consumer (the patient app, an SMS gateway) gets the text as the patient reads it.
        body.update(
            subject=text.subject, message=text.body, language=text.locale.replace("_", "-"), direction=text.direction
        )
    return body
