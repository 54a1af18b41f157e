"""The local stack's outside world: the centres' desk over real HTTP and the SMTP sink."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import contracts as c
from activities.centres import CentreActivities
from activities.mail import MailConfig
from activities.notifications import NotificationActivities
from starter.outside import start_outside


async def test_the_demo_desk_books_cancels_and_takes_notifications_over_http(tmp_path: Path) -> None:
    started, env, desk = start_outside(tmp_path, centres=True)
    try:
        assert desk is not None
        urls = json.loads(env["JOURNEYS_CENTRE_URLS"])
        http = httpx.AsyncClient(timeout=5)
        centres, notes = (
            CentreActivities(urls, http),
            NotificationActivities(
                env["JOURNEYS_NOTIFY_URL"],
                http,
                mail_config=MailConfig(host=env["JOURNEYS_SMTP_HOST"], port=int(env["JOURNEYS_SMTP_PORT"])),
            ),
        )
        act = ActivityEnvironment()
        req = c.BookingRequest(journey_id="J1", centre_id="fuda", item="flight", idempotency_key="J1:7:book:flight")
        first, again = await act.run(centres.book, req), await act.run(centres.book, req)
        assert first == again and first.reference.startswith("FUDA-FLI-")
        await act.run(
            centres.cancel_booking,
            c.CancelRequest(
                journey_id="J1", centre_id="fuda", item="flight", reference=first.reference, idempotency_key="k"
            ),
        )
        assert desk.bookings[first.reference]["status"] == "cancelled"
        with pytest.raises(ApplicationError):  # a centre refuses to cancel what it never booked
            await act.run(
                centres.cancel_booking,
                c.CancelRequest(
                    journey_id="J1", centre_id="fuda", item="flight", reference="NOPE", idempotency_key="k2"
                ),
            )
        await act.run(
            notes.notify,
            c.Notification(
                journey_id="J1",
                centre_id="fuda",
                audience="patient",
                message="m",
                idempotency_key="J1:8:notify:patient",
            ),
        )
        assert "J1:8:notify:patient" in desk.notifications
        assert len(mailbox.Maildir(Path(env["JOURNEYS_DEV_MAILBOX"]), create=False)) == 1
        assert "2 booking calls" in desk.summary()
    finally:
        for service in started:
            service.stop()
