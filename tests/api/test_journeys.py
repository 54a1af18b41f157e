"""Starting journeys, reading one, and listing them from the projections."""

from __future__ import annotations

import uuid

from tests.api.conftest import Api


async def test_ops_starts_a_journey_and_gets_201_with_its_id_stage_and_location(api: Api) -> None:
    r = await api.call(
        "POST",
        "/v1/journeys",
        json={"patient_ref": f"p-{uuid.uuid4().hex}", "centre_id": "fuda", "product": "cilta-cel"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["journey_id"].startswith("J") and body["stage"] == "records" and body["outcome"] is None
    assert body["centre_id"] == "fuda" and body["product"] == "cilta-cel"
    assert r.headers["location"] == f"/v1/journeys/{body['journey_id']}"
    assert "patient_ref" not in body


async def test_a_second_start_for_a_patient_with_an_active_journey_is_409_naming_it(
    api: Api,
) -> None:
    ref = f"p-{uuid.uuid4().hex}"
    first = await api.call("POST", "/v1/journeys", json={"patient_ref": ref, "centre_id": "pku"})
    again = await api.call("POST", "/v1/journeys", json={"patient_ref": ref, "centre_id": "jiahui"})
    assert again.status_code == 409
    assert again.json()["code"] == "active_journey_exists"
    assert again.json()["journey_id"] == first.json()["journey_id"]
    assert "active journey" in again.json()["reason"]


async def test_a_withdrawn_patient_can_start_a_new_journey_with_a_new_id(api: Api) -> None:
    ref = f"p-{uuid.uuid4().hex}"
    first = (await api.call("POST", "/v1/journeys", json={"patient_ref": ref, "centre_id": "pku"})).json()
    await api.settle(first["journey_id"])
    r = await api.call("POST", f"/v1/journeys/{first['journey_id']}/withdraw", json={"reason": "moved"})
    assert r.status_code == 200, r.text
    await api.closed(first["journey_id"])
    second = await api.call("POST", "/v1/journeys", json={"patient_ref": ref, "centre_id": "pku"})
    assert second.status_code == 201, second.text
    assert second.json()["journey_id"] != first["journey_id"]


async def test_an_unknown_centre_or_product_is_422_and_starts_nothing(api: Api) -> None:
    for body, word in [
        ({"centre_id": "mayo"}, "centre"),
        ({"centre_id": "pku", "product": "x-cel"}, "product"),
    ]:
        ref = f"p-{uuid.uuid4().hex}"
        r = await api.call("POST", "/v1/journeys", json={"patient_ref": ref, **body})
        assert r.status_code == 422 and r.json()["code"] == "unknown_reference"
        assert word in r.json()["reason"]
    page = (await api.call("GET", "/v1/journeys?centre=pku&limit=200")).json()
    assert all(row["product"] != "x-cel" for row in page["journeys"])


async def test_a_patient_reference_that_looks_like_a_name_is_refused(api: Api) -> None:
    r = await api.call("POST", "/v1/journeys", json={"patient_ref": "John Smith", "centre_id": "pku"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "patient_ref"]


async def test_reading_a_journey_gives_stage_deadlines_coi_and_outcome(api: Api) -> None:
    journey = await api.start()
    r = await api.call("GET", f"/v1/journeys/{journey}", "pku")
    assert r.status_code == 200
    body = r.json()
    assert body["stage"] == "records" and body["coi"] is None and body["outcome"] is None
    assert [d["action"] for d in body["deadlines"]] == ["remind", "escalate", "lapse"]
    assert body["next_deadline"] == body["deadlines"][0] and body["source"] == "temporal"


async def test_the_journey_list_filters_by_stage_centre_overdue_and_outcome(api: Api) -> None:
    in_records = await api.start("jiahui")
    in_teleconsult = await api.start("jiahui")
    await api.ok(in_teleconsult, "records_received", "jiahui")
    ended = await api.start("jiahui")
    await api.ok(ended, "records_received", "jiahui")
    await api.ok(ended, "teleconsult_completed", "jiahui", outcome="not_candidate")

    async def ids(query: str) -> set[str]:
        r = await api.call("GET", f"/v1/journeys?centre=jiahui&limit=200&{query}", "manager")
        assert r.status_code == 200, r.text
        return {row["journey_id"] for row in r.json()["journeys"]}

    assert in_records in await ids("stage=records") and in_teleconsult not in await ids("stage=records")
    assert in_teleconsult in await ids("stage=teleconsult")
    assert ended in await ids("outcome=ineligible") and in_records not in await ids("outcome=ineligible")
    assert {in_records, in_teleconsult} <= await ids("overdue=false")
    assert in_records not in await ids("overdue=true")
    rows = (await api.call("GET", "/v1/journeys?centre=jiahui&limit=200", "ops")).json()["journeys"]
    assert {r["centre_id"] for r in rows} == {"jiahui"}


async def test_paging_through_the_list_visits_every_journey_once_in_a_stable_order(
    api: Api,
) -> None:
    for _ in range(5):
        await api.start("ludaopei")
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        query = "/v1/journeys?centre=ludaopei&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await api.call("GET", query, "manager")).json()
        seen += [row["journey_id"] for row in page["journeys"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = (await api.call("GET", "/v1/journeys?centre=ludaopei&limit=200", "manager")).json()
    assert seen == [row["journey_id"] for row in everything["journeys"]]
    assert len(seen) == len(set(seen)) >= 5


async def test_a_centre_token_lists_only_its_own_journeys(api: Api) -> None:
    mine, theirs = await api.start("fuda"), await api.start("pku")
    rows = (await api.call("GET", "/v1/journeys?limit=200", "fuda")).json()["journeys"]
    assert {r["centre_id"] for r in rows} == {"fuda"}
    assert mine in {r["journey_id"] for r in rows} and theirs not in {r["journey_id"] for r in rows}
    other = await api.call("GET", "/v1/journeys?centre=pku", "fuda")
    assert other.status_code == 403 and other.json()["code"] == "forbidden"


async def test_bad_list_parameters_are_422_with_a_reason(api: Api) -> None:
    for query in (
        "stage=lunch",
        "overdue=maybe",
        "limit=0",
        "limit=201",
        "outcome=cured",
        "centre=mayo",
    ):
        r = await api.call("GET", f"/v1/journeys?{query}", "manager")
        assert r.status_code == 422, (query, r.text)
        assert r.json()["reason"]


async def test_a_cursor_the_api_never_handed_out_names_no_page(api: Api) -> None:
    # Any string is a schema-valid cursor, so this is "not found", not a malformed request.
    r = await api.call("GET", "/v1/journeys?cursor=not-a-cursor", "manager")
    assert r.status_code == 404, r.text
    assert r.json()["code"] == "invalid_cursor"


async def test_every_request_is_logged_with_actor_route_journey_and_status_but_no_patient_ref(
    api: Api,
) -> None:
    from structlog.testing import capture_logs

    ref = f"patient-{uuid.uuid4().hex}"
    with capture_logs() as logs:
        r = await api.call("POST", "/v1/journeys", json={"patient_ref": ref, "centre_id": "pku"})
        journey = r.json()["journey_id"]
        await api.call("GET", f"/v1/journeys/{journey}", "fuda")
    lines = [e for e in logs if e.get("event") == "request"]
    assert lines[0]["route"] == "/v1/journeys" and lines[0]["status"] == 201
    assert lines[0]["actor"].startswith("ops:tok-")
    assert lines[1]["journey_id"] == journey and lines[1]["status"] == 403
    assert lines[1]["actor"] == "centre:fuda"
    assert ref not in repr(logs)
