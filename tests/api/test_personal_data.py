"""Patient data at rest: the reference is sealed with a per-journey key; erasing destroys the key.

Runs the API and a sealing worker on the time-skipping server against SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from activities.recording import RecordingActivities
from api import create_app
from journeys.client import JourneyClient
from journeys.personal_data import ERASED, SEALED, patient_data_vault
from store.base import JourneyStore
from store.factory import open_store, upgrade_database
from store.sql import SqlEventStore
from tests.api.conftest import TOKENS, Api, api_settings
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.servers import start_time_skipping
from tests.store.conftest import PG_URL, pg_admin, postgres_missing, schema_name
from worker import build_worker


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgres"])
async def sealed_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Api]:
    schema = None
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("personal") / "events.db"
        store: JourneyStore = await open_store(f"sqlite+aiosqlite:///{path}")
    else:
        schema = schema_name()
        try:
            await pg_admin(f"CREATE SCHEMA {schema}")
        except Exception as err:  # noqa: BLE001 - unreachable means missing
            postgres_missing(f"{type(err).__name__}: {err}")
        await upgrade_database(PG_URL, schema=schema)
        store = await SqlEventStore.open(PG_URL, schema=schema)
    settings = api_settings(f"personal-{uuid.uuid4().hex[:8]}")
    seal = patient_data_vault(settings, store).seal
    try:
        async with await start_time_skipping() as env:
            worker = build_worker(
                env.client,
                settings,
                store,
                task_queue=settings.task_queue,
                activities=[RecordingActivities(store, seal).record_events, *FakeOutsideWorld().activities()],
            )
            async with worker:
                app = create_app(settings, JourneyClient(env.client, settings), store)
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
                    yield Api(app, http, store, env, settings)
    finally:
        await store.close()
        if schema:
            await pg_admin(f"DROP SCHEMA {schema} CASCADE")


async def started(api: Api, patient: str) -> str:
    r = await api.call("POST", "/v1/journeys", json={"patient_ref": patient, "centre_id": "pku"})
    assert r.status_code == 201, r.text
    journey_id: str = r.json()["journey_id"]
    await api.settle(journey_id)
    return journey_id


async def history(api: Api, journey_id: str, as_: str = "ops") -> list[dict]:  # type: ignore[type-arg]
    r = await api.call("GET", f"/v1/journeys/{journey_id}/history", as_)
    assert r.status_code == 200, r.text
    return r.json()["events"]  # type: ignore[no-any-return]


async def test_the_event_store_holds_only_a_sealed_reference_and_ops_read_it(sealed_api: Api) -> None:
    patient = f"PATIENT-SEALED-{uuid.uuid4().hex[:6]}"
    journey_id = await started(sealed_api, patient)
    [first, *_] = await sealed_api.events(journey_id)
    assert first.kind == "journey_started" and str(first.payload["patient_ref"]).startswith(SEALED)
    assert patient not in str([e.payload for e in await sealed_api.events(journey_id)])
    assert (await history(sealed_api, journey_id))[0]["payload"]["patient_ref"] == patient
    assert "patient_ref" not in (await history(sealed_api, journey_id, "manager"))[0]["payload"]


async def test_erasing_a_patient_destroys_the_key_records_the_actor_and_keeps_the_chain(sealed_api: Api) -> None:
    patient = f"PATIENT-ERASE-{uuid.uuid4().hex[:6]}"
    journey_id = await started(sealed_api, patient)
    r = await sealed_api.call("POST", "/v1/personal-data/erasures", json={"patient_ref": patient})
    assert r.status_code == 200, r.text
    assert r.json()["journeys"] == [journey_id] and r.json()["erasures"][0]["event_recorded"]
    await sealed_api.settle(journey_id)
    events = await history(sealed_api, journey_id)
    assert events[0]["payload"]["patient_ref"] == ERASED
    erased = [e for e in events if e["kind"] == "personal_data_erased"]
    assert len(erased) == 1 and erased[0]["actor"].startswith("ops:tok-")
    assert (await sealed_api.store.verify(journey_id)).ok  # type: ignore[attr-defined]
    # The clinical history goes on: the journey still takes milestones.
    await sealed_api.ok(journey_id, "records_received", "pku")


async def test_an_ended_journey_is_erased_by_appending_to_its_log(sealed_api: Api) -> None:
    journey_id = await started(sealed_api, f"PATIENT-ENDED-{uuid.uuid4().hex[:6]}")
    await sealed_api.call("POST", f"/v1/journeys/{journey_id}/withdraw", json={"reason": "erasure test"})
    await sealed_api.closed(journey_id)
    await sealed_api.settle(journey_id)
    r = await sealed_api.call("DELETE", f"/v1/journeys/{journey_id}/personal-data")
    assert r.status_code == 200 and r.json() == {"journey_id": journey_id, "erased": True, "event_recorded": True}
    events = await history(sealed_api, journey_id)
    assert events[0]["payload"]["patient_ref"] == ERASED and events[-1]["kind"] == "personal_data_erased"
    assert (await sealed_api.store.verify(journey_id)).ok  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["manager", "pku"])
async def test_only_ops_may_erase(sealed_api: Api, role: str) -> None:
    journey_id = await started(sealed_api, f"PATIENT-ROLE-{uuid.uuid4().hex[:6]}")
    r = await sealed_api.call("DELETE", f"/v1/journeys/{journey_id}/personal-data", role)
    assert r.status_code == 403
    assert (await history(sealed_api, journey_id))[0]["payload"]["patient_ref"] != ERASED


async def test_an_unknown_patient_is_a_404(sealed_api: Api) -> None:
    r = await sealed_api.call("POST", "/v1/personal-data/erasures", json={"patient_ref": "nobody-at-all"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert TOKENS  # the conftest's tokens are the dev ones: ops, manager, centres
