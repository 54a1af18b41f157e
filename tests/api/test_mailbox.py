"""The dev mailbox page: what the SMTP sink received, newest first, as the patient reads it (ops only)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import ActivityEnvironment

from activities import contracts as c
from activities.mail import MailConfig
from activities.notifications import NotificationActivities
from api import create_app
from domain.messages.params import Money, Text
from journeys.client import JourneyClient
from journeys.settings import Settings
from starter.mailsink import MailSink
from store.memory import InMemoryEventStore
from tests.api.test_outages import dead_address


async def page(settings: Settings, token: str = "dev-ops") -> httpx.Response:
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    app = create_app(settings, JourneyClient(client, settings), InMemoryEventStore())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui") as http:
        return await http.get("/ui/mailbox", headers={"Authorization": f"Bearer {token}"})


async def send_three(sink: MailSink) -> None:
    acts = NotificationActivities(None, mail_config=MailConfig(host="127.0.0.1", port=sink.port))
    booked = {"centre": Text(value="Peking University Cancer Hospital"), "reference": Text(value="PKU-FLI-1")}
    money = {
        "deposit": Money(amount=Decimal("29400"), currency="USD"),
        "outstanding": Money(amount=Decimal("29400"), currency="USD"),
    }
    for i, (language, template, params) in enumerate(
        [("en", "flight_booked", booked), ("zh-CN", "deposit_reminder", money), ("ar", "flight_booked", booked)]
    ):
        await ActivityEnvironment().run(
            acts.notify,
            c.Notification(
                journey_id=f"J{i}",
                centre_id="pku",
                audience="patient",
                message="m",
                idempotency_key=f"J{i}:1",
                template=template,
                params=params,
                language=language,
            ),
        )


async def test_the_mailbox_shows_every_language_newest_first_arabic_right_to_left(tmp_path: Path) -> None:
    with MailSink(tmp_path / "mail") as sink:
        await send_three(sink)
    r = await page(Settings(dev_mailbox=tmp_path / "mail"))
    assert r.status_code == 200
    html = r.text
    assert "押金提醒" in html and "تم حجز رحلتك" in html and "Your flight is booked" in html
    assert 'dir="rtl"' in html
    assert html.count('class="card mail"') == 3
    assert html.index("تم حجز رحلتك") < html.index("押金提醒") < html.index("Your flight is booked")


async def test_the_mailbox_is_for_ops_only(tmp_path: Path) -> None:
    r = await page(Settings(dev_mailbox=tmp_path / "mail"), token="dev-manager")
    assert r.status_code == 403


async def test_outside_the_dev_stack_there_is_no_mailbox() -> None:
    r = await page(Settings())
    assert r.status_code == 404
