"""The event-store database goes away for a while: appends retry, nothing is lost or duplicated.

The worker reaches the real PostgreSQL through a TCP proxy this test cuts (every
connection dropped, new ones refused) and restores, so other tests sharing the
server are untouched. Skipped locally without PostgreSQL; CI sets
JOURNEYS_REQUIRE_POSTGRES=1, which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from domain.stages import Outcome
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.factory import open_store, upgrade_database
from tests.faults.support import PATHWAY, Figures, Walkers, assert_intact, start_journey, until
from tests.faults.tcp_proxy import TcpProxy
from tests.helpers.log_capture import all_logs
from tests.store.conftest import PG_URL, pg_admin, postgres_missing, schema_name
from worker import build_worker

pytestmark = pytest.mark.postgres

JOURNEYS = 4
OUTAGE_SECONDS = 4.0
RETRY_LINE = "the append will be retried"


@pytest_asyncio.fixture
async def pg_schema() -> AsyncIterator[str]:
    name = schema_name()
    try:
        await pg_admin(f"CREATE SCHEMA {name}")
    except Exception as err:  # noqa: BLE001 - any failure to reach it means "missing"
        postgres_missing(f"{type(err).__name__}: {err}")
    try:
        await upgrade_database(PG_URL, schema=name)
        yield name
    finally:
        await pg_admin(f"DROP SCHEMA IF EXISTS {name} CASCADE")


async def test_an_event_store_outage_delays_journeys_but_loses_and_duplicates_nothing(local_env, task_queue, pg_schema):
    pg = make_url(PG_URL)
    proxy = await TcpProxy(pg.host or "127.0.0.1", pg.port or 5432).start()
    via_proxy = pg.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = await open_store(via_proxy, schema=pg_schema)
    settings = Settings(task_queue=task_queue, codec_enabled=False, database_url=via_proxy)
    jc = JourneyClient(local_env.client, settings)
    try:
        with all_logs() as logs:
            async with build_worker(local_env.client, settings, store):
                ids = [await start_journey(jc, f"pg-{task_queue}-{i}") for i in range(JOURNEYS)]
                walkers = Walkers(jc, ids).start()
                await walkers.until_steps(JOURNEYS * len(PATHWAY) // 3)
                proxy.cut()
                in_flight = walkers.fault()
                # A journey started mid-outage must get its first event recorded too.
                late = await start_journey(jc, f"pg-{task_queue}-late")
                await until(lambda: _retry_logged(logs), what="an append retry to be logged")
                await asyncio.sleep(OUTAGE_SECONDS)
                proxy.restore()
                restored_at = time.monotonic()
                await walkers.finish()
                late_walk = Walkers(jc, [late]).start()
                await late_walk.finish()
                finals = [await jc.handle(j).result() for j in [*ids, late]]
            all_ids = [*ids, late]
            logs_by_journey = {j: await assert_intact(store, j) for j in all_ids}
    finally:
        await store.close()
        await proxy.close()

    assert [f["outcome"] for f in finals] == [Outcome.COMPLETED.value] * len(all_ids)
    retries = [e for e in logs.structured if RETRY_LINE in str(e.get("event"))]
    assert retries and all(e["log_level"] in ("warning", "error") for e in retries)
    assert proxy.refused > 0, "the outage never refused a connection"
    # Failed appends carry journey_started payloads; their errors must not leak them to logs.
    leaks = [line for line in logs.lines() if f"pg-{task_queue}" in line]
    assert not leaks, leaks[:3]
    figures = Figures(
        "event-store (PostgreSQL) outage", in_flight=in_flight + 1, recover_seconds=walkers.recover_seconds()
    )
    figures.count(logs_by_journey, expected_steps=len(PATHWAY))
    figures.notes = {
        "outage": f"{OUTAGE_SECONDS:.0f}s + until a retry was logged",
        "append retries logged": len(retries),
        "rest of the pathway after restore": f"{max(t for _, t in walkers.accepted) - restored_at:.1f}s",
    }
    figures.show()
    assert figures.lost == 0 and figures.duplicated == 0


async def _retry_logged(logs) -> bool:
    return any(RETRY_LINE in str(e.get("event")) for e in logs.structured)
