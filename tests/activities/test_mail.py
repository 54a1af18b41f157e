"""Email over SMTP against the dev stack's real SMTP sink, next to a real HTTP webhook.

Both channels go through the one `notify` activity; a retry skips the channel
that already delivered, so a failing webhook never resends the patient's email.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs
from temporalio.testing import ActivityEnvironment

from activities import contracts as c
from activities.mail import MailConfig
from activities.notifications import NotificationActivities
from domain.messages.params import Money
from starter.mailsink import MailSink
from tests.helpers.fake_centre import FakeCentre

DEPOSIT = {
    "deposit": Money(amount=Decimal("29400.00"), currency="USD"),
    "outstanding": Money(amount=Decimal("9400.00"), currency="USD"),
}


def note(
    language: str = "zh-CN",
    key: str = "J1:9:notify:patient",
    template: str | None = "deposit_reminder",
    audience: str = "patient",
) -> c.Notification:
    return c.Notification(
        journey_id="J1",
        centre_id="pku",
        audience=audience,
        message="deposit outstanding",
        idempotency_key=key,
        template=template,
        params=DEPOSIT if template else {},
        language=language,
    )


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mailbox") as s:
        yield s


@pytest.fixture
def hook() -> Iterator[FakeCentre]:
    with FakeCentre() as centre:
        yield centre


def delivered(sink: MailSink) -> list[object]:
    return [
        message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.Maildir(sink.maildir, create=False)
    ]


def acts(sink: MailSink, hook: FakeCentre | None = None) -> NotificationActivities:
    return NotificationActivities(
        hook.url if hook else None,
        httpx.AsyncClient(timeout=5),
        mail_config=MailConfig(host="127.0.0.1", port=sink.port),
    )


async def test_a_patient_message_arrives_by_email_in_their_language(sink: MailSink) -> None:
    await ActivityEnvironment().run(acts(sink).notify, note())
    [mail] = delivered(sink)
    assert mail["To"] == "patient+J1@patients.localhost"
    assert mail["X-Journey-Id"] == "J1" and mail["Content-Language"] == "zh-Hans-CN"
    assert mail["Subject"] == "押金提醒"
    assert "US$9,400.00" in mail.get_body(("plain",)).get_content()


async def test_arabic_mail_carries_its_direction_in_the_html_part(sink: MailSink) -> None:
    await ActivityEnvironment().run(acts(sink).notify, note("ar"))
    [mail] = delivered(sink)
    assert 'dir="rtl"' in mail.get_body(("html",)).get_content()


async def test_ops_messages_stay_in_english_and_go_only_where_an_address_is_configured(sink: MailSink) -> None:
    env = ActivityEnvironment()
    await env.run(acts(sink).notify, note(template=None, audience="ops", key="J1:3:notify:ops"))
    assert delivered(sink) == []
    with_ops = NotificationActivities(
        None, mail_config=MailConfig(host="127.0.0.1", port=sink.port, ops_to="ops@hub.localhost")
    )
    await env.run(with_ops.notify, note(template=None, audience="ops", key="J1:3:notify:ops"))
    [mail] = delivered(sink)
    assert mail["To"] == "ops@hub.localhost" and "deposit outstanding" in mail.get_content()


async def test_the_subject_never_carries_more_than_the_template_says(sink: MailSink) -> None:
    await ActivityEnvironment().run(acts(sink).notify, note("en"))
    [mail] = delivered(sink)
    assert mail["Subject"] == "Your deposit"


async def test_a_failing_webhook_is_retried_without_resending_the_email(sink: MailSink, hook: FakeCentre) -> None:
    hook.fail_next(1, status=503, path="/notifications")
    env, beats = ActivityEnvironment(), []
    env.on_heartbeat = lambda *details: beats.append(details)
    activities = NotificationActivities(
        hook.url, httpx.AsyncClient(timeout=5), mail_config=MailConfig(host="127.0.0.1", port=sink.port)
    )
    with pytest.raises(httpx.HTTPStatusError):
        await env.run(activities.notify, note())
    assert delivered(sink) == [] and not beats  # webhook goes first; nothing delivered yet
    await env.run(activities.notify, note())
    assert len(delivered(sink)) == 1 and beats[-1] == (["email", "webhook"],)


async def test_a_retry_skips_the_channels_its_heartbeat_says_were_delivered(sink: MailSink, hook: FakeCentre) -> None:
    env = ActivityEnvironment()
    env.info = env.info.__class__(**{**env.info.__dict__, "heartbeat_details": [["webhook"]]})
    await env.run(acts(sink, hook).notify, note())
    assert hook.requests("/notifications") == [] and len(delivered(sink)) == 1


async def test_the_same_mail_resent_is_stored_once(sink: MailSink) -> None:
    env = ActivityEnvironment()
    await env.run(acts(sink).notify, note())
    await env.run(acts(sink).notify, note())
    assert len(delivered(sink)) == 1


async def test_a_missing_translation_is_logged_once_per_language_and_template(sink: MailSink) -> None:
    activities, env = acts(sink), ActivityEnvironment()
    with capture_logs() as logs:
        for i in range(3):
            await env.run(activities.notify, note("pt-BR", key=f"J1:{i}:notify:patient"))
    assert len([e for e in logs if e["event"] == "no translation, sent in English"]) == 1
    assert {m["Content-Language"] for m in delivered(sink)} == {"en"}


async def test_the_webhook_gets_the_rendered_text(hook: FakeCentre) -> None:
    await ActivityEnvironment().run(NotificationActivities(hook.url, httpx.AsyncClient(timeout=5)).notify, note("ru"))
    [seen] = hook.requests("/notifications")
    assert seen.body["language"] == "ru" and seen.body["subject"] == "Депозит"
    assert "9\xa0400,00\xa0$" in seen.body["message"]
