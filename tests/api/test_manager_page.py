"""The manager page: sign-in by form and cookie, the journey list with filters, one journey's page.

It reads only the projections and the event log, so these tests give it synthetic
journeys (built with the pure domain) and a Temporal client that cannot connect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.api.scenarios import cohort, save
from tests.api.test_outages import dead_address

NOW = datetime(2025, 6, 10, 9, 30, tzinfo=UTC)
FOLLOW_UP, IN_STAY, INELIGIBLE = "J6f7a8b9c0d1e2f35", "J5e6f7a8b9c0d1e24", "J7a8b9c0d1e2f3a46"


@pytest_asyncio.fixture(scope="module")
async def app() -> FastAPI:
    store = InMemoryEventStore()
    await save(store, cohort(NOW))
    settings = Settings()
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    return create_app(settings, JourneyClient(client, settings), store, clock=lambda: NOW)


@pytest_asyncio.fixture
async def page(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh browser: no cookies from other tests."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui") as http:
        yield http


async def signed_in(page: httpx.AsyncClient, token: str = "dev-manager") -> httpx.Cookies:
    r = await page.post(
        "/ui/login",
        content=f"token={token}&next=/ui",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 303, r.text
    return r.cookies


async def test_without_a_session_the_page_sends_you_to_sign_in_and_back(
    page: httpx.AsyncClient,
) -> None:
    r = await page.get("/ui?stage=stay")
    assert r.status_code == 303 and r.headers["location"] == "/ui/login?next=%2Fui%3Fstage%3Dstay"
    form = await page.get("/ui/login?next=/ui%3Fstage%3Dstay")
    assert form.status_code == 200 and 'name="token"' in form.text and 'value="/ui?stage=stay"' in form.text


async def test_signing_in_sets_an_httponly_strict_cookie_that_is_not_the_token(
    page: httpx.AsyncClient,
) -> None:
    r = await page.post(
        "/ui/login",
        content="token=dev-manager&next=/ui/journeys/" + IN_STAY,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/ui/journeys/{IN_STAY}"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Path=/" in cookie and "dev-manager" not in cookie


async def test_centre_and_unknown_tokens_cannot_sign_in(page: httpx.AsyncClient) -> None:
    for token, status, words in (
        ("dev-pku", 403, "not an ops or manager token"),
        ("nope", 401, "Unknown token"),
    ):
        r = await page.post(
            "/ui/login",
            content=f"token={token}",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == status and words in r.text and "set-cookie" not in r.headers


async def test_a_forged_or_tampered_session_cookie_is_not_a_session(
    page: httpx.AsyncClient,
) -> None:
    cookies = await signed_in(page)
    value = cookies["journeys_session"]
    for forged in (value[:-1] + ("0" if value[-1] != "0" else "1"), "dev-manager", "x.y.z", ""):
        r = await page.get("/ui", cookies={"journeys_session": forged})
        assert r.status_code == 303, forged


async def test_the_sign_in_never_redirects_off_site(page: httpx.AsyncClient) -> None:
    for target in ("https://evil.example/", "//evil.example", "/ui\\@evil", "/docs"):
        r = await page.post(
            "/ui/login",
            content=f"token=dev-ops&next={target}",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert r.headers["location"] == "/ui", target


async def test_a_token_in_the_query_string_is_ignored_unless_the_server_allows_it(
    page: httpx.AsyncClient,
) -> None:
    r = await page.get("/ui?token=dev-manager")
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")


async def test_the_list_shows_stage_time_in_stage_deadline_and_overdue_and_alert_markers(
    page: httpx.AsyncClient,
) -> None:
    r = await page.get("/ui", cookies=await signed_in(page))
    assert r.status_code == 200
    html = r.text
    for text in (
        FOLLOW_UP,
        IN_STAY,
        "Inpatient stay",
        "Follow-up",
        "Overdue",
        "1 alert",
        "escalate",
        "in 4 d",
        "Peking University Cancer Hospital",
        "Ineligible",
        "24 d",
    ):
        assert text in html, text
    assert html.count('class="is-overdue"') == 1


async def test_the_list_filters_by_stage_centre_overdue_and_outcome(
    page: httpx.AsyncClient,
) -> None:
    cookies = await signed_in(page)
    stay = (await page.get("/ui?stage=stay", cookies=cookies)).text
    assert IN_STAY in stay and FOLLOW_UP not in stay
    overdue = (await page.get("/ui?overdue=yes", cookies=cookies)).text
    assert FOLLOW_UP in overdue and IN_STAY not in overdue
    fuda = (await page.get("/ui?centre=fuda", cookies=cookies)).text
    assert FOLLOW_UP in fuda and IN_STAY not in fuda
    ineligible = (await page.get("/ui?outcome=ineligible", cookies=cookies)).text
    assert INELIGIBLE in ineligible and IN_STAY not in ineligible
    nonsense = await page.get("/ui?stage=lunch&cursor=garbage", cookies=cookies)
    assert nonsense.status_code == 200 and IN_STAY in nonsense.text


async def test_the_list_pages_forward_with_a_cursor(page: httpx.AsyncClient) -> None:
    cookies = await signed_in(page, "dev-ops")
    first = await page.get("/ui", cookies=cookies)
    assert "Next page" not in first.text  # eight journeys fit one page of 25
    assert (await page.get("/ui?overdue=no", cookies=cookies)).status_code == 200


async def test_a_journey_page_has_the_timeline_state_and_history(page: httpx.AsyncClient) -> None:
    r = await page.get(f"/ui/journeys/{IN_STAY}", cookies=await signed_in(page))
    assert r.status_code == 200
    html = r.text
    assert '<svg class="timeline"' in html and html.count('class="actual"') >= 8
    assert 'class="today"' in html and "m-alert-high" in html and "m-deadline-escalate" in html
    for text in (
        "Inpatient stay",
        "COI-5E6F",
        "LOT-5E6F-1",
        "CRS grade 3",
        "Hash chain intact",
        "centre:pku",
        "Monitoring reported",
        "3 / 1",
    ):
        assert text in html, text
    assert "ref-" + IN_STAY not in html  # the patient reference never reaches the page


async def test_an_ended_journey_shows_its_outcome_instead_of_today(page: httpx.AsyncClient) -> None:
    html = (await page.get(f"/ui/journeys/{INELIGIBLE}", cookies=await signed_in(page))).text
    assert "Ineligible" in html and 'class="ended"' in html and 'class="today"' not in html
    assert "not reached" in html


async def test_an_unknown_journey_page_is_404_and_centres_are_refused(
    page: httpx.AsyncClient,
) -> None:
    cookies = await signed_in(page)
    assert (await page.get("/ui/journeys/J0000000000000000", cookies=cookies)).status_code == 404
    assert (await page.get("/ui/journeys/..%2F..%2Fetc", cookies=cookies)).status_code == 404
    centre = await page.get("/ui", headers={"Authorization": "Bearer dev-pku"})
    assert centre.status_code == 403 and "Centres use the API" in centre.text


async def test_signing_out_clears_the_cookie(page: httpx.AsyncClient) -> None:
    r = await page.post("/ui/logout", cookies=await signed_in(page))
    assert r.status_code == 303 and r.headers["location"] == "/ui/login"
    assert 'journeys_session=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
