"""Bad input gets a clear 4xx with a reason, never a 500 or a stack trace, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.api.conftest import Api, now_iso


@pytest_asyncio.fixture(scope="module")
async def journey(api: Api) -> str:
    return await api.start()


def body(**fields: Any) -> bytes:
    return json.dumps({"milestone_id": "bad-1", "occurred_at": now_iso(), **fields}).encode()


NESTED = b"[" * 20000 + b"]" * 20000

BAD_BODIES = {
    "malformed JSON": (b'{"kind": "records_received", "milestone_id": ', 422, "not valid JSON"),
    "unknown kind": (body(kind="teleported"), 422, "unknown milestone kind"),
    "no kind": (body(), 422, "kind"),
    "wrong types": (
        body(kind="eligibility_decided", eligible="perhaps", estimate_usd="lots"),
        422,
        "eligible",
    ),
    "grade out of range": (
        body(kind="monitoring_reported", crs_grade=7, icans_grade=0),
        422,
        "crs_grade",
    ),
    "negative grade": (
        body(kind="monitoring_reported", crs_grade=1, icans_grade=-1),
        422,
        "icans_grade",
    ),
    "unknown field": (body(kind="records_received", diagnosis="x"), 422, "diagnosis"),
    "time without offset": (
        json.dumps({"kind": "records_received", "milestone_id": "b", "occurred_at": "2025-01-01T10:00:00"}).encode(),
        422,
        "occurred_at",
    ),
    "not an object": (b'["records_received"]', 422, "body"),
    "empty body": (b"", 422, "body"),
    "milestone id with spaces": (
        json.dumps({"kind": "records_received", "milestone_id": "a b", "occurred_at": now_iso()}).encode(),
        422,
        "milestone_id",
    ),
    "not UTF-8": (b'{"kind": "records_received", "note": "\xff\xfe"}', 422, "UTF-8"),
    "Latin-1 text": (
        '{"kind": "records_received", "documents": ["r\xe9sum\xe9"]}'.encode("latin-1"),
        422,
        "UTF-8",
    ),
    "deeply nested": (NESTED[:60000], 400, ""),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
async def test_a_bad_milestone_body_is_refused_with_a_reason_and_records_nothing(
    api: Api, journey: str, case: str
) -> None:
    content, status, hint = BAD_BODIES[case]
    before = await api.settle(journey)
    r = await api.call(
        "POST",
        f"/v1/journeys/{journey}/milestones",
        "pku",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == status, r.text
    answer = r.json()
    assert answer["code"] and answer["reason"] and hint in json.dumps(answer)
    assert "Traceback" not in r.text
    # Errors name the field and the problem, never echo the input back.
    assert all(set(e) == {"loc", "msg", "type"} for e in answer.get("errors") or [])
    assert await api.count(journey) == before


async def test_a_body_over_64_kib_is_413_before_it_is_read(api: Api, journey: str) -> None:
    before = await api.count(journey)
    big = body(kind="records_received", documents=["x" * 100] * 700)
    assert len(big) > 64 * 1024
    r = await api.call(
        "POST",
        f"/v1/journeys/{journey}/milestones",
        "pku",
        content=big,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and "64 KiB" in r.json()["reason"]
    assert await api.count(journey) == before


async def test_a_chunked_body_over_the_limit_is_413_too(api: Api, journey: str) -> None:
    before = await api.count(journey)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"kind": "records_received", "documents": ["'
        for _ in range(100):
            yield b"y" * 1024

    r = await api.call(
        "POST",
        f"/v1/journeys/{journey}/milestones",
        "pku",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert await api.count(journey) == before


async def test_a_missing_or_unknown_token_is_401_and_changes_nothing(api: Api, journey: str) -> None:
    before = await api.count(journey)
    good = body(kind="records_received")
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic ZGV2LW9wczo="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer dev-ops extra"},
    ):
        r = await api.call(
            "POST",
            f"/v1/journeys/{journey}/milestones",
            None,
            content=good,
            headers={"content-type": "application/json", **headers},
        )
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["code"] == "unauthenticated" and r.json()["reason"]
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert await api.count(journey) == before


async def test_a_bad_start_body_is_422_with_the_field_named(api: Api) -> None:
    cases = [
        ({"centre_id": "pku"}, "patient_ref"),
        ({"patient_ref": "p", "centre_id": 7}, "centre_id"),
        ({"patient_ref": "p" * 200, "centre_id": "pku"}, "patient_ref"),
        ({"patient_ref": "p", "centre_id": "pku", "name": "Jane"}, "name"),
    ]
    for payload, field in cases:
        r = await api.call("POST", "/v1/journeys", json=payload)
        assert r.status_code == 422 and field in json.dumps(r.json()["errors"]), r.text


async def test_a_bad_withdrawal_or_acknowledgement_body_is_422(api: Api, journey: str) -> None:
    before = await api.count(journey)
    for path, payload in [
        ("withdraw", {}),
        ("withdraw", {"reason": "   "}),
        ("withdraw", {"reason": 5}),
        ("alerts/A1/acknowledge", {"note": "x" * 600}),
    ]:
        r = await api.call("POST", f"/v1/journeys/{journey}/{path}", json=payload)
        assert r.status_code == 422, (path, payload, r.text)
        assert r.json()["reason"]
    assert await api.count(journey) == before


async def test_an_unknown_path_or_method_has_the_same_error_shape(api: Api) -> None:
    r = await api.call("GET", "/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await api.call("DELETE", "/v1/journeys")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
