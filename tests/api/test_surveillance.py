"""Long-term surveillance over HTTP: the yearly check endpoint, the state, the journey list filter."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio
from fhir.resources.R4B.bundle import Bundle
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle

from domain.surveillance import SurveillancePolicy
from tests.api.conftest import Api
from tests.helpers.surveillance import completed_journey, hand_over

POLICY = SurveillancePolicy()


@pytest_asyncio.fixture
async def watched(api: Api, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[str, WorkflowHandle[Any, Any]]]:
    p = completed_journey(await api.env.get_current_time(), monkeypatch, POLICY.day_seconds)
    handle = await hand_over(api.env.client, api.store, p, api.settings.task_queue, POLICY)
    await api.settle(p.state.journey_id)
    yield p.state.journey_id, handle
    if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await handle.terminate(reason="test finished")


def check(year: int | None, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "surveillance_check_recorded",
        "milestone_id": uuid.uuid4().hex,
        "occurred_at": None,
        "year": year,
        "alive": True,
        "disease_status": "remission",
        **fields,
    }


SENT: dict[str, dict[str, Any]] = {}


async def post(api: Api, journey_id: str, body: dict[str, Any], as_: str = "pku") -> Any:
    body = {**body, "occurred_at": (await api.env.get_current_time()).isoformat()}
    SENT[body["milestone_id"]] = body
    return await api.call("POST", f"/v1/journeys/{journey_id}/surveillance/checks", as_, json=body)


def first_body(body: dict[str, Any]) -> dict[str, Any]:
    """The body exactly as it was first sent (its occurred_at included)."""
    return SENT[body["milestone_id"]]


async def test_a_centre_reports_yearly_checks_and_ops_sees_who_is_under_surveillance(
    api: Api, watched: tuple[str, WorkflowHandle[Any, Any]]
) -> None:
    journey_id, _ = watched
    state = (await api.call("GET", f"/v1/journeys/{journey_id}/surveillance", "manager")).json()
    assert state["status"] == "active" and state["next_check_year"] == 2 and state["horizon_years"] == 15

    listed = (await api.call("GET", "/v1/journeys?surveillance=active&limit=200", "manager")).json()
    row = next(r for r in listed["journeys"] if r["journey_id"] == journey_id)
    due = datetime.fromisoformat(state["next_check_due"])
    assert row["surveillance"] == "active" and datetime.fromisoformat(row["surveillance_due"]) == due
    assert row["stage"] == "ended" and row["outcome"] == "completed" and row["next_deadline"] is not None

    early = await post(api, journey_id, check(2))
    assert early.status_code == 409 and early.json()["code"] == "wrong_stage" and "opens on" in early.json()["reason"]

    # A relapse reported between checks (no year): no need to wait for a check to open, so this
    # test never skips time (the yearly rhythm is tested on the workflow, tests/workflows).
    body = check(None, disease_status="relapsed", new_therapy="second CAR-T")
    first = await post(api, journey_id, body)
    assert first.status_code == 200, first.text
    assert first.json()["relapsed"] and first.json()["next_check_year"] == 2
    again = await api.call("POST", f"/v1/journeys/{journey_id}/surveillance/checks", "pku", json=first_body(body))
    assert again.status_code == 200 and again.json()["last_seq"] == first.json()["last_seq"]
    changed = await api.call(
        "POST",
        f"/v1/journeys/{journey_id}/surveillance/checks",
        "pku",
        json={**first_body(body), "disease_status": "progression"},
    )
    assert changed.status_code == 409 and changed.json()["code"] == "duplicate_milestone"

    assert (await post(api, journey_id, check(3), as_="fuda")).status_code == 403
    assert (await post(api, journey_id, check(3), as_="manager")).status_code == 403
    bad = await post(api, journey_id, check(3, alive=False, disease_status=None))
    assert bad.status_code == 422  # a death needs its cause

    death = await post(
        api, journey_id, check(None, alive=False, disease_status=None, cause_of_death="sepsis"), as_="ops"
    )
    assert death.status_code == 200, death.text
    assert death.json()["status"] == "ended" and death.json()["end_reason"] == "deceased"
    await api.settle(journey_id)
    ended = (await api.call("GET", "/v1/journeys?surveillance=ended&limit=200")).json()["journeys"]
    assert journey_id in {r["journey_id"] for r in ended}
    history = (await api.call("GET", f"/v1/journeys/{journey_id}/history")).json()
    kinds = [e["kind"] for e in history["events"]]
    assert kinds[-3:] == ["surveillance_check_recorded", "alert_raised", "surveillance_ended"]
    assert kinds.count("surveillance_check_recorded") == 2
    assert history["chain_verified"]
    bundle = Bundle.model_validate_json((await api.call("GET", f"/v1/journeys/{journey_id}/fhir")).text)
    assert bundle.entry


async def test_a_journey_not_under_surveillance_says_so(api: Api) -> None:
    journey_id = await api.start()
    state = (await api.call("GET", f"/v1/journeys/{journey_id}/surveillance")).json()
    assert state["status"] == "none"
    r = await post(api, journey_id, check(2))
    assert r.status_code == 409 and r.json()["code"] == "not_under_surveillance"
