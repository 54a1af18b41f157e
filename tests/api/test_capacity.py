"""GET /v1/centres/{id}/capacity: per resource and ISO week, capacity, reserved and waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.api.capacity_cohort import FULL_CENTRE, seeded_app


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = await seeded_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_full_centre_shows_every_week_at_capacity_and_its_waiting_list(http: httpx.AsyncClient) -> None:
    r = await http.get(f"/v1/centres/{FULL_CENTRE}/capacity?weeks=10", headers=auth("dev-manager"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["weeks"][:2] == ["2026-W49", "2026-W50"] and len(body["weeks"]) == 10
    chairs = [s for s in body["slots"] if s["resource"] == "apheresis"]
    assert [s["week"] for s in chairs] == body["weeks"]
    assert all(s["capacity"] == 2 for s in chairs)
    assert [s["reserved"] for s in chairs] == [2] * 8 + [0, 0]
    assert all(s["full"] for s in chairs[:8])
    # Three journeys wait; the horizon ends after 8 weeks, so they are expected in weeks 9 and 10.
    assert [w["position"] for w in body["waiting_list"]] == [1, 2, 3]
    assert [w["expected_week"] for w in body["waiting_list"]] == ["2027-W04", "2027-W04", "2027-W05"]
    assert [s["waiting"] for s in chairs[8:]] == [2, 1]
    for s in body["slots"]:
        assert s["capacity"] is None or s["reserved"] <= s["capacity"]
    products = {s["product"] for s in body["slots"] if s["resource"] == "manufacturing"}
    assert {"axi-cel", "cilta-cel"} <= products


@pytest.mark.parametrize("token", ["dev-ops", "dev-manager", "dev-jiahui"])
async def test_ops_managers_and_the_centre_itself_may_read_it(http: httpx.AsyncClient, token: str) -> None:
    r = await http.get(f"/v1/centres/{FULL_CENTRE}/capacity", headers=auth(token))
    assert r.status_code == 200
    assert len(r.json()["weeks"]) == 8


async def test_another_centre_may_not(http: httpx.AsyncClient) -> None:
    r = await http.get(f"/v1/centres/{FULL_CENTRE}/capacity", headers=auth("dev-pku"))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/centres/nowhere/capacity", 404),
        ("/v1/centres/pku/capacity?weeks=0", 422),
        ("/v1/centres/pku/capacity?weeks=53", 422),
        ("/v1/centres/pku/capacity?weeks=abc", 422),
    ],
)
async def test_bad_requests_get_a_clear_error(http: httpx.AsyncClient, path: str, status: int) -> None:
    r = await http.get(path, headers=auth("dev-ops"))
    assert r.status_code == status
    assert set(r.json()) >= {"code", "reason"}


async def test_without_a_token_it_is_401(http: httpx.AsyncClient) -> None:
    assert (await http.get("/v1/centres/pku/capacity")).status_code == 401
