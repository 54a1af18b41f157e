"""The manager page and the API from a browser's side: sessions end, cross-site posts are refused,
CORS reaches /codec only, every page carries its security headers, odd input is never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from api.deps import parse_tokens
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.api.scenarios import cohort, save
from tests.api.test_manager_page import IN_STAY, NOW
from tests.api.test_outages import dead_address
from tests.journeys.test_settings import production

PROD = Settings(**production())  # type: ignore[arg-type]
PROD_TOKENS = {role: token for token, role in PROD.tokens().items()}
FORM = {"content-type": "application/x-www-form-urlencoded"}


async def make_app(settings: Settings) -> FastAPI:
    store = InMemoryEventStore()
    await save(store, cohort(NOW))
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    return create_app(settings, JourneyClient(client, settings), store, clock=lambda: NOW)


@pytest_asyncio.fixture(scope="module")
async def dev_app() -> FastAPI:
    return await make_app(Settings(environment="development"))


@pytest_asyncio.fixture(scope="module")
async def prod_app() -> FastAPI:
    return await make_app(PROD)


@pytest_asyncio.fixture
async def dev(dev_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dev_app), base_url="http://ui") as http:
        yield http


@pytest_asyncio.fixture
async def prod(prod_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=prod_app), base_url="https://ui") as http:
        yield http


async def sign_in(http: httpx.AsyncClient, token: str = "dev-manager") -> str:
    r = await http.post("/ui/login", content=f"token={token}&next=/ui", headers=FORM)
    assert r.status_code == 303, r.text
    return r.cookies["journeys_session"]


async def test_signing_out_ends_the_session_even_for_a_kept_copy_of_the_cookie(dev: httpx.AsyncClient) -> None:
    cookie = await sign_in(dev)
    assert (await dev.get("/ui")).status_code == 200
    assert (await dev.post("/ui/logout")).status_code == 303
    dev.cookies.set("journeys_session", cookie)  # the attacker's (or the browser's) old copy
    r = await dev.get("/ui")
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")


@pytest.mark.parametrize("path", ["/ui/login", "/ui/logout"])
@pytest.mark.parametrize(
    "headers", [{"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}]
)
async def test_cross_site_posts_to_sign_in_and_out_are_refused(
    dev: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    r = await dev.post(path, content="token=dev-manager&next=/ui", headers={**FORM, **headers})
    assert r.status_code == 403 and "journeys_session" not in r.headers.get("set-cookie", "")


async def test_a_same_origin_form_post_signs_in(dev: httpx.AsyncClient) -> None:
    r = await dev.post(
        "/ui/login",
        content="token=dev-manager&next=/ui",
        headers={**FORM, "origin": "http://ui", "sec-fetch-site": "same-origin"},
    )
    assert r.status_code == 303


async def test_the_cookie_is_secure_in_production_whatever_the_request_scheme(prod: httpx.AsyncClient) -> None:
    r = await prod.post("/ui/login", content=f"token={PROD_TOKENS['manager']}&next=/ui", headers=FORM)
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


async def test_the_session_cookie_is_signed_by_itsdangerous_and_holds_no_token(dev: httpx.AsyncClient) -> None:
    cookie = await sign_in(dev)
    assert "dev-manager" not in cookie and cookie.count(".") == 2  # payload.timestamp.signature


@pytest.mark.parametrize("path", ["/ui", f"/ui/journeys/{IN_STAY}", "/ui/login", "/v1/products"])
async def test_every_page_carries_the_security_headers(dev: httpx.AsyncClient, path: str) -> None:
    await sign_in(dev)
    r = await dev.get(path, headers={"authorization": "Bearer dev-ops"} if path.startswith("/v1") else {})
    assert r.status_code == 200, r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/v1/journeys", "/ui", f"/v1/journeys/{IN_STAY}/history"])
async def test_cors_grants_the_temporal_ui_nothing_outside_codec(dev: httpx.AsyncClient, path: str) -> None:
    ui = "http://localhost:8233"
    pre = await dev.options(path, headers={"origin": ui, "access-control-request-method": "GET"})
    assert "access-control-allow-origin" not in pre.headers
    await sign_in(dev)
    r = await dev.get(path, headers={"origin": ui})
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-credentials" not in r.headers


async def test_cors_with_credentials_covers_codec_for_the_ui_origin(dev: httpx.AsyncClient) -> None:
    r = await dev.options(
        "/codec/decode", headers={"origin": "http://localhost:8233", "access-control-request-method": "POST"}
    )
    assert r.headers["access-control-allow-origin"] == "http://localhost:8233"
    assert r.headers["access-control-allow-credentials"] == "true"


async def test_a_signed_in_manager_decodes_with_the_session_cookie_in_production(prod: httpx.AsyncClient) -> None:
    assert (await prod.post("/codec/decode", json={"payloads": []})).status_code == 401
    await sign_in(prod, PROD_TOKENS["manager"])
    assert (await prod.post("/codec/decode", json={"payloads": []})).status_code == 200


async def test_more_than_five_form_fields_on_login_is_a_400_not_a_500(dev: httpx.AsyncClient) -> None:
    body = "&".join(f"f{i}=x" for i in range(8))
    r = await dev.post("/ui/login", content=body, headers=FORM)
    assert r.status_code == 400


@pytest.mark.parametrize("cookie", ["x.1.é", "tag.99999999999.ü" * 3, "....", "a" * 5000, "é"])
async def test_a_mangled_or_non_ascii_cookie_is_simply_no_session(dev: httpx.AsyncClient, cookie: str) -> None:
    r = await dev.get("/ui", headers={b"cookie": f"journeys_session={cookie}".encode()})
    assert r.status_code == 303


def test_the_ops_actor_tag_is_keyed_so_the_log_cannot_test_token_guesses() -> None:
    import hashlib

    tokens = {"weak-token": "ops"}
    tag = parse_tokens(tokens, b"key-1")["weak-token"].tag
    assert tag != hashlib.sha256(b"weak-token").hexdigest()[: len(tag)]
    assert tag != parse_tokens(tokens, b"key-2")["weak-token"].tag


async def test_managers_read_the_history_without_the_patient_reference(dev: httpx.AsyncClient) -> None:
    path = f"/v1/journeys/{IN_STAY}/history"
    as_ops = (await dev.get(path, headers={"authorization": "Bearer dev-ops"})).json()["events"][0]
    as_manager = (await dev.get(path, headers={"authorization": "Bearer dev-manager"})).json()["events"][0]
    assert as_ops["kind"] == "journey_started" and "patient_ref" in as_ops["payload"]
    assert "patient_ref" not in as_manager["payload"] and as_manager["hash"] == as_ops["hash"]


async def test_the_proxy_session_check_lets_in_signed_in_readers_only(dev: httpx.AsyncClient) -> None:
    r = await dev.get("/ui/session-check")
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")
    await sign_in(dev)
    assert (await dev.get("/ui/session-check")).status_code == 204


async def test_the_journey_page_links_to_the_journey_in_the_temporal_ui(dev: httpx.AsyncClient) -> None:
    await sign_in(dev)
    page = (await dev.get(f"/ui/journeys/{IN_STAY}")).text
    assert f"/namespaces/default/workflows/journey-{IN_STAY}" in page
