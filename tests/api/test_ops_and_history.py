"""Ops commands (withdraw, acknowledge), the history in both forms, reference data and health."""

from __future__ import annotations

from tests.api.conftest import Api


async def test_ops_withdraws_a_journey_and_gets_200_with_the_ended_state(api: Api) -> None:
    journey = await api.start()
    await api.ok(journey, "records_received")
    r = await api.call("POST", f"/v1/journeys/{journey}/withdraw", json={"reason": "patient chose home care"})
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "ended" and r.json()["outcome"] == "withdrawn"
    await api.settle(journey)
    kinds = [e.kind for e in await api.events(journey)]
    assert "journey_withdrawn" in kinds and "booking_cancelled" in kinds


async def test_withdrawing_an_ended_journey_is_409(api: Api) -> None:
    journey = await api.start()
    await api.call("POST", f"/v1/journeys/{journey}/withdraw", json={"reason": "first"})
    await api.closed(journey)
    before = await api.count(journey)
    r = await api.call("POST", f"/v1/journeys/{journey}/withdraw", json={"reason": "second"})
    assert r.status_code == 409 and r.json()["code"] == "journey_ended"
    assert await api.count(journey) == before


async def test_ops_acknowledges_an_open_alert_and_it_leaves_the_open_list(api: Api) -> None:
    journey = await api.start()
    await api.to_infusion(journey, coi="COI-ACK")
    await api.milestone(journey, "infusion_completed", coi="COI-NOT-THIS")
    alert = (await api.call("GET", f"/v1/journeys/{journey}")).json()["open_alerts"][0]["alert_id"]
    r = await api.call(
        "POST",
        f"/v1/journeys/{journey}/alerts/{alert}/acknowledge",
        json={"note": "bag quarantined, right bag located"},
    )
    assert r.status_code == 200 and r.json()["open_alerts"] == []
    events = await api.events(journey)
    assert events[-1].kind == "alert_acknowledged" and events[-1].payload["alert_id"] == alert


async def test_acknowledging_an_alert_that_is_not_open_is_refused_with_a_reason(api: Api) -> None:
    journey = await api.start()
    before = await api.count(journey)
    r = await api.call("POST", f"/v1/journeys/{journey}/alerts/A9/acknowledge")
    assert r.status_code == 404 and "A9" in r.json()["reason"]
    assert await api.count(journey) == before


async def test_the_history_lists_domain_events_in_order_with_actors_and_a_linked_hash_chain(
    api: Api,
) -> None:
    journey = await api.start()
    await api.ok(journey, "records_received")
    r = await api.call("GET", f"/v1/journeys/{journey}/history", "manager")
    assert r.status_code == 200
    body = r.json()
    events = body["events"]
    assert body["journey_id"] == journey and body["chain_verified"] is True
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {"seq", "kind", "actor", "occurred_at", "recorded_at", "prev_hash", "hash"} <= set(events[0])
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:], strict=False))
    assert events[0]["kind"] == "journey_started" and events[1]["actor"] == "centre:pku"


async def test_the_temporal_history_is_the_raw_execution_history(api: Api) -> None:
    journey = await api.start()
    r = await api.call("GET", f"/v1/journeys/{journey}/history?source=temporal", "manager")
    assert r.status_code == 200
    events = r.json()["events"]
    assert events[0]["eventType"] in (
        "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
        "WorkflowExecutionStarted",
    )
    bad = await api.call("GET", f"/v1/journeys/{journey}/history?source=somewhere", "manager")
    assert bad.status_code == 422


async def test_reference_data_has_exactly_the_documented_fields_for_every_role(api: Api) -> None:
    for who in ("ops", "manager", "pku"):
        products = (await api.call("GET", "/v1/products", who)).json()
        centres = (await api.call("GET", "/v1/centres", who)).json()
        assert len(products) == 6 and len(centres) == 4
        assert all(set(p) == {"id", "name", "target", "indication", "year", "manufacturer"} for p in products)
        assert {c["id"] for c in centres} == {"pku", "ludaopei", "fuda", "jiahui"}
        assert all(set(c) == {"id", "name", "city"} for c in centres)
    assert (await api.call("GET", "/v1/products", None)).status_code == 401


async def test_health_openapi_and_docs_need_no_token(api: Api) -> None:
    health = await api.call("GET", "/healthz", None)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    schema = (await api.call("GET", "/openapi.json", None)).json()
    assert {"/v1/journeys", "/v1/journeys/{journey_id}/milestones", "/v1/products"} <= set(schema["paths"])
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()
    assert (await api.call("GET", "/docs", None)).status_code == 200
    root = await api.call("GET", "/", None)
    assert root.status_code == 307 and root.headers["location"] == "/ui"
