"""Milestones over HTTP: accepted with the new state, refused with the rule's code and reason."""

from __future__ import annotations

import uuid

import httpx

from api import create_app
from journeys.client import JourneyClient
from tests.api.conftest import Api, now_iso


async def test_an_accepted_milestone_answers_200_with_the_new_state(api: Api) -> None:
    journey = await api.start()
    r = await api.milestone(journey, "records_received", documents=["pathology", "imaging"])
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "teleconsult" and r.json()["journey_id"] == journey
    events = await api.events(journey)
    assert [e.kind for e in events][:3] == ["journey_started", "records_received", "stage_entered"]
    assert events[1].actor == "centre:pku"


async def test_ops_milestones_are_recorded_with_the_ops_tokens_actor(api: Api) -> None:
    journey = await api.start()
    await api.ok(journey, "records_received", "ops")
    events = await api.events(journey)
    assert events[1].actor.startswith("ops:tok-") and "dev-ops" not in events[1].actor


async def test_resubmitting_the_same_milestone_returns_the_same_answer_and_records_nothing(
    api: Api,
) -> None:
    journey = await api.start()
    first = await api.milestone(journey, "records_received", milestone_id="m-1", occurred_at=now_iso())
    body = {
        "kind": "records_received",
        "milestone_id": "m-1",
        "occurred_at": (await api.events(journey))[1].payload["occurred_at"],
    }
    await api.settle(journey)
    before = await api.count(journey)
    again = await api.call("POST", f"/v1/journeys/{journey}/milestones", "pku", json=body)
    assert again.status_code == 200 and again.json() == first.json()
    assert await api.settle(journey) == before


async def test_a_resubmission_after_an_api_restart_still_records_nothing(api: Api) -> None:
    journey = await api.start()
    body = {"kind": "records_received", "milestone_id": "restart-1", "occurred_at": now_iso()}
    first = await api.call("POST", f"/v1/journeys/{journey}/milestones", "pku", json=body)
    before = await api.settle(journey)
    # A new process: a new app and a new client, nothing shared but Temporal and the store.
    fresh = create_app(api.settings, JourneyClient(api.env.client, api.settings), api.store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fresh), base_url="http://api") as http:
        again = await http.post(
            f"/v1/journeys/{journey}/milestones",
            json=body,
            headers={"Authorization": "Bearer dev-pku"},
        )
    assert again.status_code == 200 and again.json()["stage"] == first.json()["stage"] == "teleconsult"
    assert await api.settle(journey) == before


async def test_the_same_milestone_id_with_a_different_body_is_409_and_changes_nothing(
    api: Api,
) -> None:
    journey = await api.start()
    await api.ok(journey, "records_received", milestone_id="dup-1")
    before = await api.count(journey)
    r = await api.milestone(journey, "teleconsult_completed", milestone_id="dup-1", outcome="proceed")
    assert r.status_code == 409 and r.json()["code"] == "duplicate_milestone"
    assert "dup-1" in r.json()["reason"]
    assert await api.settle(journey) == before


async def test_a_milestone_for_the_wrong_stage_is_409_with_the_rules_reason(api: Api) -> None:
    journey = await api.start()
    before = await api.count(journey)
    r = await api.milestone(journey, "apheresis_completed", coi="COI-EARLY")
    assert r.status_code == 409
    assert r.json()["code"] == "wrong_stage" and "records" in r.json()["reason"]
    assert await api.settle(journey) == before


async def test_a_coi_mismatch_at_infusion_is_409_and_leaves_a_critical_alert(api: Api) -> None:
    journey = await api.start()
    await api.to_infusion(journey, coi="COI-RIGHT")
    r = await api.milestone(journey, "infusion_completed", coi="COI-WRONG")
    assert r.status_code == 409 and r.json()["code"] == "coi_mismatch"
    assert "COI-WRONG" in r.json()["reason"]
    state = (await api.call("GET", f"/v1/journeys/{journey}", "manager")).json()
    assert state["stage"] == "infusion" and state["open_alerts"][0]["severity"] == "critical"
    assert "infusion_completed" not in [e.kind for e in await api.events(journey)]


async def test_a_milestone_for_an_ended_journey_is_409_and_changes_nothing(api: Api) -> None:
    journey = await api.start()
    await api.ok(journey, "records_received")
    ended = await api.ok(journey, "teleconsult_completed", outcome="not_candidate")
    assert ended["stage"] == "ended" and ended["outcome"] == "ineligible"
    await api.closed(journey)
    before = await api.count(journey)
    r = await api.milestone(journey, "eligibility_decided", eligible=True)
    assert r.status_code == 409 and r.json()["code"] == "journey_ended"
    assert await api.count(journey) == before
    still = await api.call("GET", f"/v1/journeys/{journey}", "pku")
    assert still.status_code == 200 and still.json()["outcome"] == "ineligible"


async def test_another_centres_journey_is_403_without_saying_anything_about_it(api: Api) -> None:
    journey = await api.start("pku")
    before = await api.count(journey)
    for method, path, body in [
        ("GET", f"/v1/journeys/{journey}", None),
        (
            "POST",
            f"/v1/journeys/{journey}/milestones",
            {"kind": "records_received", "milestone_id": "x-1", "occurred_at": now_iso()},
        ),
    ]:
        r = await api.call(method, path, "fuda", json=body)
        assert r.status_code == 403
        assert r.json() == {
            "code": "forbidden",
            "reason": "this journey is not available to your token",
        }
    assert await api.count(journey) == before


async def test_an_unknown_journey_is_404_for_every_role(api: Api) -> None:
    for who in ("ops", "manager", "pku"):
        for journey in ("J0000000000000000", "no-such-thing", "x" * 150):
            r = await api.call("GET", f"/v1/journeys/{journey}", who)
            assert r.status_code == 404 and r.json()["code"] == "not_found", (who, journey)
    r = await api.milestone("J0000000000000000", "records_received")
    assert r.status_code == 404


async def test_a_centre_cannot_send_an_ops_milestone_nor_ops_a_clinical_one(api: Api) -> None:
    journey = await api.start()
    await api.ok(journey, "records_received")
    await api.ok(journey, "teleconsult_completed", outcome="proceed")
    before = await api.count(journey)
    by_centre = await api.milestone(journey, "estimate_accepted", "pku")
    assert by_centre.status_code == 403 and by_centre.json()["code"] == "not_permitted"
    by_ops = await api.milestone(journey, "eligibility_decided", "ops", eligible=True)
    assert by_ops.status_code == 403 and "treating centre" in by_ops.json()["reason"]
    manager = await api.milestone(journey, "eligibility_decided", "manager", eligible=True)
    assert manager.status_code == 403
    assert await api.settle(journey) == before


async def test_an_occurred_at_in_the_future_is_refused_with_a_reason(api: Api) -> None:
    journey = await api.start()
    before = await api.count(journey)
    r = await api.milestone(journey, "records_received", occurred_at="2999-01-01T00:00:00+00:00")
    assert r.status_code == 409 and "future" in r.json()["reason"]
    assert await api.count(journey) == before


async def test_ids_travel_only_as_path_segments(api: Api) -> None:
    r = await api.call(
        "POST",
        f"/v1/journeys/{uuid.uuid4().hex}/milestones",
        "pku",
        json={"kind": "records_received", "milestone_id": "z", "occurred_at": now_iso()},
    )
    assert r.status_code == 404
