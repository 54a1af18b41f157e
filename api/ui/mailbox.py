"""`GET /ui/mailbox`: what the dev stack's SMTP sink received, as the patient would read it.

Ops only, and only where `JOURNEYS_DEV_MAILBOX` names the sink's Maildir (set by
`journeys dev` and `journeys demo`); elsewhere the page does not exist (404).
"""

from __future__ import annotations

import asyncio
import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from activities.mail import JOURNEY_HEADER
from api.deps import Principal
from api.ui.routes import _gate, _page

router = APIRouter(prefix="/ui", include_in_schema=False)
SHOWN = 200
RTL_LANGUAGES = ("ar", "he", "fa", "ur")


@dataclass(frozen=True)
class Mail:
    received: datetime
    to: str
    subject: str
    journey_id: str
    language: str
    direction: str
    template: str
    body: str


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return str(part.get_content()).strip() if part else ""


def read_mailbox(path: Path, limit: int = SHOWN) -> list[Mail]:
    """Newest first. A message the page cannot parse is skipped, not an error page."""
    out: list[Mail] = []
    if not path.exists():
        return out
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in box.iterkeys():
        try:
            stored = box.get_message(key)
            msg = message_from_bytes(stored.as_bytes(), policy=policy.default)
        except (OSError, ValueError, KeyError):
            continue
        assert isinstance(msg, EmailMessage)
        # The sink's delivery time (sub-second), not the Date header: the order mail arrived in.
        received = datetime.fromtimestamp(stored.get_date(), UTC)
        language = str(msg.get("Content-Language", "en"))
        out.append(
            Mail(
                received=received,
                to=str(msg.get("To", "")),
                subject=str(msg.get("Subject", "")),
                journey_id=str(msg.get(JOURNEY_HEADER, "")),
                language=language,
                direction="rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr",
                template=str(msg.get("X-Journey-Template", "")),
                body=_text(msg),
            )
        )
    out.sort(key=lambda m: m.received, reverse=True)
    return out[:limit]


@router.get("/mailbox")
async def mailbox_page(request: Request) -> Response:
    path: Path | None = request.app.state.settings.dev_mailbox
    if path is None:
        return _page(
            request,
            "message.html",
            404,
            title="No mailbox",
            message="The mailbox page exists only in the dev stack and the demo (journeys dev / demo).",
        )
    gate = _gate(request)
    if not isinstance(gate, Principal):
        return gate
    if gate.role != "ops":
        return _page(
            request,
            "message.html",
            403,
            principal=gate,
            title="Ops only",
            message="The patients' mailbox is for ops tokens.",
        )
    mails = await asyncio.to_thread(read_mailbox, path)
    return _page(
        request,
        "mailbox.html",
        principal=gate,
        mails=mails,
        active="mailbox",
        languages=sorted({m.language for m in mails}),
    )
