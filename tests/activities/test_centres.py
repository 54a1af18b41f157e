"""Centre bookings over HTTP: idempotency keys, refusals stop, failures retry, simulation."""

from __future__ import annotations

import json

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import contracts as c
from activities.centres import CentreActivities

BASE = "http://centre.test/centres/pku"


def booking(item: str = "flight", key: str = "J1:9:book:flight") -> c.BookingRequest:
    return c.BookingRequest(journey_id="J1", centre_id="pku", item=item, idempotency_key=key)


def cancel(reference: str = "R-77") -> c.CancelRequest:
    return c.CancelRequest(
        journey_id="J1",
        centre_id="pku",
        item="flight",
        reference=reference,
        idempotency_key="J1:20:compensate:R-77",
    )


def retryable(err: BaseException) -> bool:
    return not (isinstance(err, ApplicationError) and err.non_retryable)


@pytest.fixture
def env() -> ActivityEnvironment:
    return ActivityEnvironment()


async def test_a_booking_posts_with_the_idempotency_key_and_returns_the_reference(env, respx_mock) -> None:
    route = respx_mock.post(f"{BASE}/bookings").respond(201, json={"reference": "FL-123"})
    confirmation = await env.run(CentreActivities({"pku": BASE}).book, booking())
    assert confirmation == c.BookingConfirmation(item="flight", reference="FL-123")
    sent = route.calls.last.request
    assert sent.headers["Idempotency-Key"] == "J1:9:book:flight"
    assert json.loads(sent.content) == {"journey_id": "J1", "item": "flight"}


async def test_a_base_url_with_a_trailing_slash_and_a_wildcard_centre_both_work(env, respx_mock) -> None:
    route = respx_mock.post("http://desk.test/bookings").respond(200, json={"reference": 42})
    confirmation = await env.run(CentreActivities({"*": "http://desk.test/"}).book, booking())
    assert confirmation.reference == "42" and route.called


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
async def test_a_4xx_answer_is_a_non_retryable_refusal(env, respx_mock, status) -> None:
    respx_mock.post(f"{BASE}/bookings").respond(status, text="no rooms for these dates")
    with pytest.raises(ApplicationError) as refused:
        await env.run(CentreActivities({"pku": BASE}).book, booking())
    assert refused.value.type == "Rejected" and refused.value.non_retryable
    assert str(status) in refused.value.message and "no rooms" in refused.value.message


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
async def test_a_5xx_or_throttling_answer_is_retried(env, respx_mock, status) -> None:
    respx_mock.post(f"{BASE}/bookings").respond(status)
    with pytest.raises(Exception) as failed:
        await env.run(CentreActivities({"pku": BASE}).book, booking())
    assert isinstance(failed.value, httpx.HTTPStatusError) and retryable(failed.value)


@pytest.mark.parametrize("error", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError])
async def test_a_timeout_or_connection_failure_is_retried(env, respx_mock, error) -> None:
    respx_mock.post(f"{BASE}/bookings").mock(side_effect=error)
    with pytest.raises(httpx.HTTPError) as failed:
        await env.run(CentreActivities({"pku": BASE}).book, booking())
    assert retryable(failed.value)


async def test_a_retried_booking_sends_the_same_key_every_time(env, respx_mock) -> None:
    route = respx_mock.post(f"{BASE}/bookings")
    route.side_effect = [httpx.Response(503), httpx.Response(201, json={"reference": "FL-1"})]
    acts = CentreActivities({"pku": BASE})
    with pytest.raises(httpx.HTTPStatusError):
        await env.run(acts.book, booking())
    assert (await env.run(acts.book, booking())).reference == "FL-1"
    assert {call.request.headers["Idempotency-Key"] for call in route.calls} == {"J1:9:book:flight"}


async def test_without_a_url_a_booking_is_simulated_deterministically(env, respx_mock) -> None:
    acts = CentreActivities({})
    first = await env.run(acts.book, booking())
    again = await env.run(acts.book, booking())
    other = await env.run(acts.book, booking(key="J1:9:book:hotel"))
    assert first.reference.startswith("SIM-") and first == again and other.reference != first.reference
    assert not respx_mock.calls


async def test_a_cancellation_posts_to_the_bookings_cancel_url_with_its_key(env, respx_mock) -> None:
    route = respx_mock.post(f"{BASE}/bookings/R-77/cancel").respond(204)
    assert await env.run(CentreActivities({"pku": BASE}).cancel_booking, cancel()) == c.Done()
    assert route.calls.last.request.headers["Idempotency-Key"] == "J1:20:compensate:R-77"


async def test_a_refused_cancellation_is_not_retried_and_a_failed_one_is(env, respx_mock) -> None:
    route = respx_mock.post(f"{BASE}/bookings/R-77/cancel")
    acts = CentreActivities({"pku": BASE})
    route.return_value = httpx.Response(410, text="already cancelled")
    with pytest.raises(ApplicationError) as refused:
        await env.run(acts.cancel_booking, cancel())
    assert refused.value.non_retryable
    route.return_value = httpx.Response(500)
    with pytest.raises(httpx.HTTPStatusError):
        await env.run(acts.cancel_booking, cancel())


async def test_without_a_url_a_cancellation_is_only_logged(env, respx_mock) -> None:
    assert await env.run(CentreActivities({"fuda": BASE}).cancel_booking, cancel()) == c.Done()
    assert not respx_mock.calls
