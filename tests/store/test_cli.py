"""`journeys history`, `journeys verify` and `journeys db ...` as an operator runs them."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from store import migrate
from store.factory import open_store
from tests.store.conftest import sql_tamper
from tests.store.events import journey

JOURNEYS = str(Path(sys.executable).parent / "journeys")


@dataclass
class Run:
    code: int
    out: str
    err: str


async def journeys(url: str, *args: str) -> Run:
    env = {**os.environ, "JOURNEYS_DATABASE_URL": url, "COLUMNS": "200"}
    proc = await asyncio.create_subprocess_exec(
        JOURNEYS, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return Run(proc.returncode or 0, out.decode(), err.decode())


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/data/events.db"


async def seed(url: str, *journey_ids: str) -> None:
    store = await open_store(url)
    for jid in journey_ids:
        await store.append(jid, journey(jid, 6))
    await store.close()


class TestStoreCommands:
    async def test_history_prints_the_events_in_order_with_their_hashes(self, url: str) -> None:
        await seed(url, "J-cli")
        as_json = await journeys(url, "history", "J-cli", "--database", "--json")
        assert as_json.code == 0, as_json.err
        events = json.loads(as_json.out)
        assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6]
        assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:], strict=False))
        table = await journeys(url, "history", "J-cli", "--database")
        assert table.code == 0
        assert "alert_acknowledged" in table.out and events[3]["hash"][:10] in table.out

    async def test_verify_passes_an_intact_chain_and_names_the_first_tampered_event(self, url: str) -> None:
        await seed(url, "J-good", "J-bad")
        ok = await journeys(url, "verify", "J-good")
        assert (ok.code, "chain intact (6 events)" in ok.out) == (0, True)
        store = await open_store(url)
        await sql_tamper(store)("J-bad", 4, {"alert_id": "A1", "note": "edited"})  # type: ignore[arg-type]
        await store.close()
        bad = await journeys(url, "verify", "J-bad")
        assert bad.code == 3 and "BROKEN at seq 4" in bad.out, bad
        everything = await journeys(url, "verify", "--all")
        assert everything.code == 3
        assert "J-bad: BROKEN at seq 4" in everything.out and "J-good" not in everything.out
        assert "verified 2 journeys, 12 events: 1 broken" in everything.out

    async def test_an_unknown_journey_is_reported_as_not_found(self, url: str) -> None:
        await seed(url)
        for command in (["history", "--database"], ["verify"]):
            r = await journeys(url, *command, "J-nobody")
            assert r.code == 5 and "journey J-nobody not found" in r.err
            assert "Traceback" not in r.err

    async def test_verify_needs_a_journey_or_all(self, url: str) -> None:
        r = await journeys(url, "verify")
        assert r.code == 2 and "JOURNEY_ID or --all" in r.err

    async def test_db_upgrade_then_rebuild_projections(self, url: str) -> None:
        up = await journeys(url, "db", "upgrade")
        assert up.code == 0 and f"revision {migrate.head_revision()}" in up.out, up
        await seed(url, "J-r1", "J-r2")
        rebuilt = await journeys(url, "db", "rebuild-projections")
        assert rebuilt.code == 0 and "rebuilt from 12 events" in rebuilt.out, rebuilt

    async def test_an_unreachable_database_is_one_clear_line(self) -> None:
        r = await journeys("postgresql+asyncpg://postgres@127.0.0.1:1/test", "verify", "--all")
        assert r.code == 6 and "unreachable" in r.err and "Traceback" not in r.err
        assert r.err.count("\n") == 1
