"""Email over SMTP (aiosmtplib): composing the message and one send with the retry policy of activities/http.py.

A patient's mail goes to a pseudonymous address built from the journey id (the
hub's mail relay maps it to the patient's contact, which this service never holds);
headers name the journey by its opaque id only, and the subject comes from the
template, never from the patient reference. The Message-ID is derived from the
idempotency key, so a resend after a lost reply is recognisable as the same mail.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from domain.messages.render import Rendered
from journeys.settings import Settings

JOURNEY_HEADER = "X-Journey-Id"


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int = 25
    sender: str = "CAR-T patient services <journeys@localhost>"
    # `{journey_id}` / `{centre_id}` are filled in; None: that audience gets no email.
    patient_to: str | None = "patient+{journey_id}@patients.localhost"
    ops_to: str | None = None
    centre_to: str | None = None
    username: str | None = None
    password: str | None = None
    start_tls: bool = False
    timeout_seconds: float = 10.0

    def recipient(self, n: c.Notification) -> str | None:
        pattern = {"patient": self.patient_to, "ops": self.ops_to, "centre": self.centre_to}.get(n.audience)
        return pattern.format(journey_id=n.journey_id, centre_id=n.centre_id) if pattern else None


def mail_config(settings: Settings) -> MailConfig | None:
    if not settings.smtp_host:
        return None
    return MailConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.mail_from,
        patient_to=settings.mail_patient_to,
        ops_to=settings.mail_ops_to,
        centre_to=settings.mail_centre_to,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        start_tls=settings.smtp_start_tls,
        timeout_seconds=settings.http_timeout_seconds,
    )


def compose(n: c.Notification, text: Rendered | None, sender: str, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, to
    msg["Subject"] = text.subject if text else f"CAR-T journey {n.journey_id}: {n.audience} notice"
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{hashlib.sha256(n.idempotency_key.encode()).hexdigest()[:32]}@journeys>"
    msg[JOURNEY_HEADER] = n.journey_id
    body = text.body if text else n.message
    if text is None:
        msg.set_content(body)
        return msg
    msg["X-Journey-Template"] = text.template
    msg.set_content(body)
    # The HTML part carries the direction, so Arabic reads right to left in any mail client.
    lang = text.locale.replace("_", "-")
    msg.add_alternative(
        f'<!doctype html><html lang="{lang}" dir="{text.direction}"><body dir="{text.direction}">'
        f"<h1>{html.escape(text.subject)}</h1><p>{html.escape(body)}</p></body></html>",
        subtype="html",
    )
    # After the body: setting content clears every Content-* header.
    msg["Content-Language"] = lang
    return msg


async def send(cfg: MailConfig, msg: EmailMessage) -> None:
    try:
        await aiosmtplib.send(
            msg,
            hostname=cfg.host,
            port=cfg.port,
            username=cfg.username,
            password=cfg.password,
            start_tls=cfg.start_tls,
            timeout=cfg.timeout_seconds,
        )
    except aiosmtplib.SMTPResponseException as err:
        # A permanent (5xx) answer will not change on retry; 4xx is "try later".
        if 500 <= err.code < 600:
            raise ApplicationError(
                f"SMTP server refused the message ({err.code}): {err.message[:200]}",
                type="Rejected",
                non_retryable=True,
            ) from None
        activity.logger.warning("SMTP send failed, will retry: %s", err.code)
        raise
    except (aiosmtplib.SMTPException, OSError) as err:
        activity.logger.warning("SMTP send failed, will retry: %s", type(err).__name__)
        raise
