"""Notifications and safety alerts through one webhook; log lines when none is configured."""

from __future__ import annotations

import json

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import contracts as c
from activities.notifications import NotificationActivities
from domain.stages import Severity

HOOK = "http://hooks.test/journeys/"

NOTE = c.Notification(
    journey_id="J1",
    centre_id="pku",
    audience="patient",
    message="follow-up visit due on day 30",
    idempotency_key="J1:31:notify:patient",
)
ALERT = c.SafetyAlert(
    journey_id="J1",
    centre_id="pku",
    severity=Severity.CRITICAL,
    code="coi_mismatch",
    message="possible wrong-patient product",
    idempotency_key="J1:40:safety_alert:",
)


@pytest.fixture
def env() -> ActivityEnvironment:
    return ActivityEnvironment()


async def test_a_notification_posts_its_body_with_the_idempotency_key(env, respx_mock) -> None:
    route = respx_mock.post("http://hooks.test/journeys/notifications").respond(202)
    assert await env.run(NotificationActivities(HOOK).notify, NOTE) == c.Done()
    sent = route.calls.last.request
    assert sent.headers["Idempotency-Key"] == "J1:31:notify:patient"
    body = json.loads(sent.content)
    assert body["audience"] == "patient" and body["journey_id"] == "J1"


async def test_a_safety_alert_posts_its_severity_and_code(env, respx_mock) -> None:
    route = respx_mock.post("http://hooks.test/journeys/safety-alerts").respond(200, json={})
    assert await env.run(NotificationActivities(HOOK).raise_safety_alert, ALERT) == c.Done()
    body = json.loads(route.calls.last.request.content)
    assert (body["severity"], body["code"]) == ("critical", "coi_mismatch")
    assert route.calls.last.request.headers["Idempotency-Key"] == "J1:40:safety_alert:"


@pytest.mark.parametrize("call", ["notify", "raise_safety_alert"])
async def test_a_4xx_from_the_webhook_is_a_non_retryable_refusal(env, respx_mock, call) -> None:
    respx_mock.post(url__startswith="http://hooks.test/").respond(401, text="bad token")
    acts = NotificationActivities(HOOK)
    with pytest.raises(ApplicationError) as refused:
        await env.run(getattr(acts, call), NOTE if call == "notify" else ALERT)
    assert refused.value.type == "Rejected" and refused.value.non_retryable


@pytest.mark.parametrize("failure", [httpx.Response(503), httpx.ReadTimeout("slow")])
async def test_a_5xx_or_timeout_from_the_webhook_is_retried(env, respx_mock, failure) -> None:
    route = respx_mock.post("http://hooks.test/journeys/notifications")
    if isinstance(failure, httpx.Response):
        route.return_value = failure
    else:
        route.side_effect = failure
    with pytest.raises(httpx.HTTPError) as failed:
        await env.run(NotificationActivities(HOOK).notify, NOTE)
    assert not isinstance(failed.value, ApplicationError)


async def test_without_a_webhook_notifications_and_alerts_become_log_lines(env, respx_mock) -> None:
    acts = NotificationActivities(None)
    assert await env.run(acts.notify, NOTE) == c.Done()
    assert await env.run(acts.raise_safety_alert, ALERT) == c.Done()
    assert not respx_mock.calls
