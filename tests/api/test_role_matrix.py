"""Every endpoint × every role: the set of roles let through is exactly the documented one.

Requests are chosen so that a role that gets through is then refused by the
journey's rules (409/422) where it would otherwise change something, so the
matrix can run in any order on the same journeys.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from tests.api.conftest import Api, now_iso

ROLES = ("ops", "manager", "pku", "fuda", None, "bad")  # pku treats the journeys; fuda does not
READERS = {"ops", "manager"}
EVERYONE = {"ops", "manager", "pku", "fuda"}


def milestone(kind: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "milestone_id": f"matrix-{kind}", "occurred_at": now_iso(), **fields}


MATRIX: list[tuple[str, str, dict[str, Any] | None, set[Any]]] = [
    ("POST", "/v1/journeys", {"patient_ref": "matrix", "centre_id": "mayo"}, {"ops"}),
    ("GET", "/v1/journeys", None, EVERYONE),
    ("GET", "/v1/journeys/{live}", None, {"ops", "manager", "pku"}),
    (
        "POST",
        "/v1/journeys/{live}/milestones",
        milestone("apheresis_completed", coi="COI-M"),
        {"pku"},
    ),
    ("POST", "/v1/journeys/{live}/milestones", milestone("estimate_accepted"), {"ops"}),
    ("POST", "/v1/journeys/{live}/milestones", milestone("patient_admitted"), {"ops", "pku"}),
    ("POST", "/v1/journeys/{ended}/withdraw", {"reason": "matrix"}, {"ops"}),
    ("POST", "/v1/journeys/{live}/alerts/A99/acknowledge", {"note": ""}, {"ops"}),
    ("GET", "/v1/journeys/{live}/history", None, READERS),
    ("GET", "/v1/journeys/{live}/history?source=temporal", None, READERS),
    ("GET", "/v1/products", None, EVERYONE),
    ("GET", "/v1/centres", None, EVERYONE),
    ("GET", "/ui", None, READERS),
    ("GET", "/ui/journeys/{live}", None, READERS),
    # The API under test runs as development on loopback, where the dev stack's Temporal UI
    # decodes without credentials (None); a bad token is still refused. Production: READERS only
    # (tests/journeys/test_codec_endpoint.py).
    ("POST", "/codec/decode", {"payloads": []}, {*READERS, None}),
    ("POST", "/codec/encode", {"payloads": []}, {"ops"}),
    ("GET", "/healthz", None, {*EVERYONE, None, "bad"}),
    ("GET", "/openapi.json", None, {*EVERYONE, None, "bad"}),
]


@pytest_asyncio.fixture(scope="module")
async def journeys(api: Api) -> dict[str, str]:
    live, ended = await api.start("pku"), await api.start("pku")
    await api.call("POST", f"/v1/journeys/{ended}/withdraw", json={"reason": "for the matrix"})
    await api.closed(ended)
    await api.settle(live)
    return {"live": live, "ended": ended}


def let_through(status: int, location: str | None) -> bool:
    return status not in (401, 403) and not (status == 303 and (location or "").startswith("/ui/login"))


@pytest.mark.parametrize("method,path,body,allowed", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
async def test_each_endpoint_lets_through_exactly_its_documented_roles(
    api: Api,
    journeys: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    allowed: set[Any],
) -> None:
    url = path.format(**journeys)
    before = {j: await api.count(j) for j in journeys.values()}
    through = set()
    for role in ROLES:
        r = await api.call(method, url, role, json=body) if body is not None else await api.call(method, url, role)
        assert r.status_code < 500, (role, r.text)
        if let_through(r.status_code, r.headers.get("location")):
            through.add(role)
        elif url.startswith("/v1"):
            # Who you are decides 401 against 403: no token or an unknown one is never a 403.
            assert r.status_code == (401 if role in (None, "bad") else 403), (role, r.status_code)
            assert r.json()["reason"]
    assert through == allowed
    assert {j: await api.count(j) for j in journeys.values()} == before
