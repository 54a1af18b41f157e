"""Many writers at once: the unique (journey, seq) arbitrates, and no gap or duplicate appears."""

from __future__ import annotations

import asyncio
import random

import pytest

from domain.stages import Stage
from store.base import ConcurrencyError
from store.engine import create_engine
from store.sql import SqlEventStore
from tests.store.conftest import Backend
from tests.store.events import journey, reminder

WRITERS = 16
JOURNEYS = 50


async def assert_complete(b: Backend, journey_id: str, n: int) -> None:
    log = await b.store.read(journey_id)
    assert [e.seq for e in log] == list(range(1, n + 1))
    assert (await b.store.verify(journey_id)).ok
    row = await b.store.get_row(journey_id)
    assert row is not None and row.last_seq == n


class TestConcurrentAppenders:
    async def test_writers_racing_for_the_same_seq_leave_exactly_one_event(self, backend: Backend) -> None:
        jid = "J-race"
        await backend.store.append(jid, journey(jid, 1))
        for seq in range(2, 12):
            # Three different contents among 16 writers: one wins, its twins are
            # answered with the stored event, the rest are refused.
            attempts = [reminder(seq, f"writer {i % 3}") for i in range(WRITERS)]
            results = await asyncio.gather(*(backend.store.append(jid, [a]) for a in attempts), return_exceptions=True)
            stored = (await backend.store.read(jid))[seq - 1]
            for attempt, result in zip(attempts, results, strict=True):
                if attempt.payload == stored.payload:
                    assert result == [stored]
                else:
                    assert isinstance(result, ConcurrencyError), result
        await assert_complete(backend, jid, 11)

    async def test_writers_racing_to_start_the_same_journey_leave_one_start(self, backend: Backend) -> None:
        # No journey row exists yet to queue on: the primary key alone decides.
        jid = "J-first"
        attempts = [journey(jid, 2, centre=["pku", "fuda"][i % 2]) for i in range(WRITERS)]
        results = await asyncio.gather(*(backend.store.append(jid, a) for a in attempts), return_exceptions=True)
        stored = await backend.store.read(jid)
        winner = stored[0].payload["centre_id"]
        for attempt, result in zip(attempts, results, strict=True):
            if attempt[0].payload["centre_id"] == winner:
                assert result == stored
            else:
                assert isinstance(result, ConcurrencyError), result
        await assert_complete(backend, jid, 2)

    async def test_writers_replaying_the_same_batch_all_get_the_stored_events(self, backend: Backend) -> None:
        jid = "J-replays"
        records = journey(jid, 6)
        await backend.store.append(jid, records[:1])
        results = await asyncio.gather(*(backend.store.append(jid, records[1:4]) for _ in range(WRITERS)))
        assert all(r == results[0] for r in results)
        await assert_complete(backend, jid, 4)

    async def test_fifty_journeys_written_at_once_each_keep_a_whole_verifiable_chain(self, backend: Backend) -> None:
        rng = random.Random(7)
        logs = {
            f"J-many-{i:02d}": journey(f"J-many-{i:02d}", 6 + i % 5, centre=["pku", "fuda"][i % 2])
            for i in range(JOURNEYS)
        }

        async def write(jid: str, duplicate: bool) -> None:
            # Batches of 1-3 like the workflow's pump; a twin writer replays each
            # batch as a retried activity would.
            records, i = logs[jid], 0
            while i < len(records):
                n = rng.randint(1, 3)
                await backend.store.append(jid, records[i : i + n])
                if duplicate:
                    await backend.store.append(jid, records[i : i + n])
                i += n

        await asyncio.gather(*(write(jid, duplicate=k % 2 == 1) for jid in logs for k in range(2)))
        for jid, records in logs.items():
            await assert_complete(backend, jid, len(records))
        durations = {(r.centre_id, r.stage): r.visits for r in await backend.store.stage_durations()}
        assert durations[("pku", Stage.RECORDS)] == durations[("fuda", Stage.RECORDS)] == 25
        assert durations[("pku", Stage.TELECONSULT)] + durations[("fuda", Stage.TELECONSULT)] == 50
        live = (await backend.store.list_journeys(limit=500)).rows
        await backend.store.rebuild_projections()
        assert (await backend.store.list_journeys(limit=500)).rows == live


class TestTwoWorkerProcesses:
    async def test_a_store_that_remembers_an_old_tail_rechecks_the_database(self, sql_backend: Backend) -> None:
        # Two stores on one database, as two worker processes: each remembers the
        # tail it last wrote, and must not trust that memory once the other wrote.
        a = sql_backend.store
        assert isinstance(a, SqlEventStore)
        b = SqlEventStore(a.engine)
        jid = "J-two-workers"
        records = journey(jid, 6) + [reminder(7, "seven"), reminder(8, "eight")]
        await a.append(jid, records[:3])
        await b.append(jid, records[3:5])
        assert await a.append(jid, records[3:4]) == (await b.read(jid))[3:4]  # a replay
        await b.append(jid, records[5:6])
        with pytest.raises(ConcurrencyError):
            await a.append(jid, [reminder(6, "not what b wrote")])
        await b.append(jid, records[6:7])
        await a.append(jid, records[7:8])  # a remembers seq 5 or 6, the log is at 7
        await assert_complete(sql_backend, jid, 8)
        assert [e.payload for e in await a.read(jid)] == [r.payload for r in records]

    async def test_two_stores_racing_on_one_database_keep_every_chain_whole(self, sql_backend: Backend) -> None:
        # Separate engines (separate pools, and on SQLite separate in-process write
        # queues), so only the database's own locking keeps them apart.
        a = sql_backend.store
        assert isinstance(a, SqlEventStore)
        b = SqlEventStore(create_engine(a.engine.url.render_as_string(hide_password=False), schema=a.schema))
        try:
            logs = {f"J-pair-{i}": journey(f"J-pair-{i}", 12) for i in range(6)}

            async def write(store: SqlEventStore, jid: str) -> None:
                for i in range(0, 12, 2):
                    await store.append(jid, logs[jid][i : i + 2])

            await asyncio.gather(*(write(s, jid) for jid in logs for s in (a, b)))
            for jid in logs:
                await assert_complete(sql_backend, jid, 12)
        finally:
            await b.close()
