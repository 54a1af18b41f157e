"""A patient reference, once given to start a journey, shows up in exactly one place we keep.

One full journey (bookings, a safety alert, a refused milestone, the end) runs on
the dev server with the real activities, the codec on, an SQLite event store and
a real HTTP fake centre, while every log line of this process is kept. Then each
place an operator or attacker could look is searched for the reference.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from sqlalchemy import select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from journeys.client import JourneyClient, Refused
from journeys.logs import DATA_QUOTING_LOGGERS, quiet_data_loggers
from journeys.settings import Settings
from journeys.temporal import data_converter, workflow_id
from store.factory import open_store
from store.schema import events, metadata
from store.sql import SqlEventStore
from tests.faults.support import PATHWAY, report_step, start_journey, until, walk
from tests.helpers.fake_centre import FakeCentre
from tests.helpers.log_capture import all_logs
from worker import build_worker

PATIENT = "PASSPORT-E98765432-ZHANG-WEI-1975"
FRAGMENTS = (PATIENT, "E98765432", "ZHANG-WEI")
CODEC_KEY = "k1:" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # test-only 32-byte key


@dataclass
class Traces:
    journey_id: str = ""
    log_lines: list[str] = field(default_factory=list)
    workflow_ids: list[str] = field(default_factory=list)
    search_attributes: list[str] = field(default_factory=list)
    describe: str = ""
    raw_history: str = ""
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    outbound: list[str] = field(default_factory=list)


def leaks(texts: list[str]) -> list[str]:
    return [t[:300] for t in texts if any(f in t for f in FRAGMENTS)]


@pytest_asyncio.fixture(scope="module")
async def traces(local_env, tmp_path_factory) -> AsyncIterator[Traces]:
    tq = "security-" + tmp_path_factory.mktemp("sec").name
    db = tmp_path_factory.mktemp("sec-db") / "events.db"
    store = await open_store(f"sqlite+aiosqlite:///{db}")
    assert isinstance(store, SqlEventStore)
    out = Traces()
    quiet_data_loggers()  # as every process does through journeys.logs.configure
    with FakeCentre() as centre:
        settings = Settings(task_queue=tq, codec_key=CODEC_KEY, centre_urls={"*": centre.url}, notify_url=centre.url)
        secure = Client(
            local_env.client.service_client,
            namespace=local_env.client.namespace,
            data_converter=data_converter(settings),
        )
        jc = JourneyClient(secure, settings)
        try:
            with all_logs() as logs:
                async with build_worker(secure, settings, store):
                    j = await start_journey(jc, PATIENT, actor="ops:sec")
                    out.journey_id = j
                    await walk(jc, j, range(0, 9))  # into the stay
                    with pytest.raises(Refused):  # a refusal's reason must not quote the patient
                        await report_step(jc, j, 12)
                    await jc.report(j, _severe_adverse_event(j), "centre:pku")
                    await walk(jc, j, range(9, len(PATHWAY)))
                    await jc.handle(j).result()
                out.log_lines = logs.lines()
            out.workflow_ids, out.search_attributes = await _listed(local_env.client, tq)
            desc = await local_env.client.get_workflow_handle(workflow_id(j)).describe()
            out.describe = str(desc.raw_description)
            plain = Client(
                local_env.client.service_client,
                namespace=local_env.client.namespace,
                data_converter=pydantic_data_converter,
            )
            history = await plain.get_workflow_handle(workflow_id(j)).fetch_history()
            out.raw_history = history.to_json()
            out.rows = await _all_rows(store)
            out.outbound = [json.dumps(s.body) + (s.key or "") + s.path for s in centre.requests()]
        finally:
            await store.close()
    assert centre.books.alerts, "the journey was meant to page a safety alert"
    yield out


def _severe_adverse_event(journey_id: str):
    from datetime import UTC, datetime

    from domain.milestones import parse_milestone

    return parse_milestone(
        {
            "kind": "adverse_event_reported",
            "milestone_id": f"{journey_id}-ae",
            "occurred_at": datetime.now(UTC),
            "term": "CRS",
            "grade": 4,
        }
    )


async def _listed(client: Client, task_queue: str) -> tuple[list[str], list[str]]:
    async def closed() -> list:
        found = [w async for w in client.list_workflows(f'TaskQueue = "{task_queue}"')]
        # A completed journey hands over to its long-term surveillance, which keeps running.
        journeys = [w for w in found if w.workflow_type == "JourneyWorkflow"]
        return found if journeys and all(w.close_time for w in journeys) else []

    found = await until(closed, what="the journey to be listed as closed")
    values = [f"{p.key.name}={p.value}" for w in found for p in w.typed_search_attributes]
    return [w.id for w in found], values


async def _all_rows(store: SqlEventStore) -> dict[str, list[dict[str, object]]]:
    rows: dict[str, list[dict[str, object]]] = {}
    async with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            result = await conn.execute(select(table))
            rows[table.name] = [dict(r._mapping) for r in result]
    return rows


def test_no_log_line_of_worker_activities_or_client_names_the_patient(traces):
    # The capture saw the activities' structlog lines and Temporal's own stdlib records.
    assert any("booked" in line and traces.journey_id in line for line in traces.log_lines)
    assert any("temporalio" in line for line in traces.log_lines)
    assert leaks(traces.log_lines) == []


def test_database_drivers_stay_quiet_at_debug_level_because_they_quote_sql_parameters():
    import logging

    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.DEBUG)
        quiet_data_loggers()
        loggers = [logging.getLogger(n) for n in DATA_QUOTING_LOGGERS]
        assert not any(lg.isEnabledFor(logging.DEBUG) for lg in loggers)
    finally:
        root.setLevel(level)


def test_workflow_ids_and_search_attributes_are_opaque(traces):
    # The journey, and the long-term surveillance it hands over to: both named by the opaque id only.
    assert workflow_id(traces.journey_id) in traces.workflow_ids
    assert all(w.endswith(traces.journey_id) for w in traces.workflow_ids)
    assert {s.split("=")[0] for s in traces.search_attributes} >= {"JourneyStage", "JourneyCentre"}
    assert leaks(traces.workflow_ids + traces.search_attributes + [traces.describe]) == []


def test_the_temporal_server_holds_no_plaintext_patient_reference_after_a_whole_journey(traces):
    assert traces.raw_history and leaks([traces.raw_history]) == []


def test_no_centre_travel_desk_or_webhook_call_carries_the_patient_reference(traces):
    assert traces.outbound and leaks(traces.outbound) == []


def test_the_event_log_holds_the_patient_reference_nowhere_in_plain_text(traces):
    # journey_started keeps it sealed with the journey's data key (journeys.personal_data).
    log = traces.rows[events.name]
    holding = [(r["seq"], r["kind"]) for r in log if leaks([json.dumps(r, default=str)])]
    assert holding == []
    [started] = [r for r in log if r["seq"] == 1]
    payload = started["payload"]
    assert (payload if isinstance(payload, dict) else json.loads(payload))["patient_ref"].startswith("sealed:v1:")


def test_projection_rows_hold_no_patient_reference(traces):
    for table, rows in traces.rows.items():
        if table != events.name:
            assert leaks([json.dumps(r, default=str) for r in rows]) == [], table
