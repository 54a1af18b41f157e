"""Group commit: appends that arrive together share one transaction, and nothing else changes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text

from store.base import StoreUnavailable
from store.group_commit import GroupCommitter, Planned
from store.schema import events, journeys, stage_durations
from store.sql import SqlEventStore
from tests.store.conftest import Backend
from tests.store.events import journey, reminder


def committer(store: SqlEventStore) -> GroupCommitter:
    return store._group  # noqa: SLF001 - the tests look at what the store did


async def rows(store: SqlEventStore, journey_id: str) -> dict[str, Any]:
    """Everything stored for a journey, with its id and the write time taken out."""
    async with store.engine.connect() as conn:
        row = (await conn.execute(select(journeys).where(journeys.c.journey_id == journey_id))).one()._asdict()
        log = [
            r._asdict()
            for r in await conn.execute(select(events).where(events.c.journey_id == journey_id).order_by(events.c.seq))
        ]
    for r in [row, *log]:
        r.pop("journey_id")
        r.pop("recorded_at", None)
    for e in log:
        e.pop("hash"), e.pop("prev_hash")  # they cover the journey id
    row.pop("last_hash")
    row["snapshot"].pop("journey_id")
    for e in log[:1]:
        e["payload"].pop("journey_id"), e["payload"].pop("patient_ref")
    return {"row": row, "log": log}


class TestGroupCommit:
    async def test_the_group_path_writes_the_rows_the_single_append_path_writes(self, sql_backend: Backend) -> None:
        store = sql_backend.store
        assert isinstance(store, SqlEventStore)
        for jid in ("J-group", "J-alone"):
            records = journey(jid, 6) + [reminder(7, "seven")]
            for batch in (records[:1], records[1:4], records[4:6], records[6:]):
                if jid == "J-group":
                    await store.append(jid, batch)
                else:
                    await store._append_alone(jid, batch)  # noqa: SLF001
        assert committer(store).grouped == 4
        assert await rows(store, "J-group") == await rows(store, "J-alone")
        assert (await store.verify("J-group")).ok
        raw = "SELECT started_at FROM journeys ORDER BY journey_id"
        async with store.engine.connect() as conn:
            # Byte for byte: SQLite compares this text when it pages the journey list.
            started = list((await conn.execute(text(raw))).scalars())
        assert started[0] == started[1]

    async def test_appends_arriving_together_share_transactions_and_keep_each_order(self, sql_backend: Backend) -> None:
        store = sql_backend.store
        assert isinstance(store, SqlEventStore)
        logs = {f"J-g{i:02d}": journey(f"J-g{i:02d}", 6, centre=["pku", "fuda"][i % 2]) for i in range(40)}

        async def write(jid: str) -> None:
            for i in range(0, 6, 2):
                await store.append(jid, logs[jid][i : i + 2])

        await asyncio.gather(*(write(j) for j in logs))
        group = committer(store)
        assert group.grouped == 120
        assert group.groups < 120 / 4  # most commits carried many journeys
        for jid in logs:
            assert [e.seq for e in await store.read(jid)] == list(range(1, 7))
            assert (await store.verify(jid)).ok
        async with store.engine.connect() as conn:
            visits = dict(
                (
                    await conn.execute(
                        select(stage_durations.c.stage, stage_durations.c.visits).where(
                            stage_durations.c.centre_id == "pku"
                        )
                    )
                ).all()
            )
        assert visits == {"records": 20, "teleconsult": 20}

    async def test_a_head_another_process_moved_goes_to_the_single_append_path(self, sql_backend: Backend) -> None:
        a = sql_backend.store
        assert isinstance(a, SqlEventStore)
        b = SqlEventStore(a.engine)
        records = journey("J-moved", 6)
        await a.append("J-moved", records[:2])
        await b.append("J-moved", records[2:4])
        # a remembers seq 2: its group write finds the row moved, and the single
        # append reads the database and replays idempotently.
        assert await a.append("J-moved", records[2:4]) == (await a.read("J-moved"))[2:4]
        await a.append("J-moved", records[4:])
        assert (await a.verify("J-moved")).ok

    async def test_a_failed_group_write_leaves_nothing_and_each_append_goes_alone(
        self, sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = sql_backend.store
        assert isinstance(store, SqlEventStore)
        writer = committer(store)._writer  # noqa: SLF001

        async def broken(group: list[Planned]) -> set[str]:
            raise RuntimeError("a bug, a deadlock, a key conflict")

        monkeypatch.setattr(writer, "write", broken)
        await asyncio.gather(*(store.append(f"J-f{i}", journey(f"J-f{i}", 3)) for i in range(5)))
        for i in range(5):
            assert [e.seq for e in await store.read(f"J-f{i}")] == [1, 2, 3]

    async def test_an_outage_during_a_group_write_is_store_unavailable_for_each_caller(
        self, sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = sql_backend.store
        assert isinstance(store, SqlEventStore)
        writer = committer(store)._writer  # noqa: SLF001

        async def down(group: list[Planned]) -> set[str]:
            raise StoreUnavailable("event store unreachable during append: gone")

        await store.append("J-o", journey("J-o", 2))
        monkeypatch.setattr(writer, "write", down)
        results = await asyncio.gather(
            *(store.append("J-o", [reminder(3, "x")]), store.append("J-p", journey("J-p", 1))), return_exceptions=True
        )
        assert all(isinstance(r, StoreUnavailable) for r in results)
        monkeypatch.undo()
        # Unknown whether it committed: the retry asks the database, not the cache.
        assert committer(store)._heads.get("J-o") is None  # noqa: SLF001
        await store.append("J-o", [reminder(3, "x")])
        assert [e.seq for e in await store.read("J-o")] == [1, 2, 3]
