"""The event-store contract, run against every backend (memory, SQLite file, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.stages import Outcome, Stage
from store.base import BadCursor, ConcurrencyError, JourneyNotFound
from store.hashing import GENESIS, canonical, chain_hash
from tests.store.conftest import Backend
from tests.store.events import T0, journey, reminder


class TestEventStoreContract:
    async def test_appended_events_are_read_back_in_order_with_their_content(self, backend: Backend) -> None:
        records = journey("J-read", 6)
        await backend.store.append("J-read", records[:2])
        await backend.store.append("J-read", records[2:])
        stored = await backend.store.read("J-read")
        assert [e.seq for e in stored] == [1, 2, 3, 4, 5, 6]
        assert [(e.kind, e.actor, e.occurred_at, e.payload) for e in stored] == [
            (r.kind, r.actor, r.occurred_at, r.payload) for r in records
        ]
        assert all(e.occurred_at.tzinfo is not None and e.recorded_at.tzinfo is not None for e in stored)

    async def test_each_hash_chains_its_content_to_the_previous_hash(self, backend: Backend) -> None:
        await backend.store.append("J-hash", journey("J-hash", 3))
        stored = await backend.store.read("J-hash")
        prev = GENESIS
        for e in stored:
            body = canonical("J-hash", e.seq, e.kind, e.actor, e.occurred_at, e.payload)
            assert (e.prev_hash, e.hash) == (prev, chain_hash(prev, body))
            prev = e.hash

    async def test_an_identical_replay_returns_the_stored_events_and_writes_nothing(self, backend: Backend) -> None:
        records = journey("J-replay", 4)
        first = await backend.store.append("J-replay", records)
        again = await backend.store.append("J-replay", records)
        assert again == first  # same recorded_at too: nothing was rewritten
        assert len(await backend.store.read("J-replay")) == 4

    async def test_a_replay_that_runs_past_the_tail_writes_only_the_new_events(self, backend: Backend) -> None:
        records = journey("J-overlap", 5)
        first = await backend.store.append("J-overlap", records[:3])
        out = await backend.store.append("J-overlap", records[1:])
        assert [e.seq for e in out] == [2, 3, 4, 5]
        assert out[:2] == first[1:]
        assert len(await backend.store.read("J-overlap")) == 5
        assert (await backend.store.verify("J-overlap")).ok

    async def test_a_different_event_at_a_taken_seq_is_refused(self, backend: Backend) -> None:
        await backend.store.append("J-conflict", journey("J-conflict", 3))
        with pytest.raises(ConcurrencyError, match="seq 3"):
            await backend.store.append("J-conflict", [reminder(3, "someone else's event")])
        assert [e.kind for e in await backend.store.read("J-conflict")][-1] == "reminder_sent"
        assert (await backend.store.get_row("J-conflict")).last_seq == 3  # type: ignore[union-attr]

    async def test_a_seq_that_would_leave_a_gap_is_refused(self, backend: Backend) -> None:
        await backend.store.append("J-gap", journey("J-gap", 2))
        with pytest.raises(ConcurrencyError, match="gap"):
            await backend.store.append("J-gap", [reminder(4, "too far ahead")])
        with pytest.raises(ConcurrencyError, match="consecutive"):
            await backend.store.append("J-gap", [reminder(3, "a"), reminder(5, "b")])
        assert len(await backend.store.read("J-gap")) == 2

    async def test_an_append_that_cannot_be_projected_leaves_nothing_behind(self, backend: Backend) -> None:
        with pytest.raises(ValueError, match="journey_started"):
            await backend.store.append("J-orphan", [reminder(1, "no journey yet")])
        with pytest.raises(JourneyNotFound):
            await backend.store.read("J-orphan")
        assert await backend.store.get_row("J-orphan") is None

    async def test_an_over_long_journey_id_is_refused_before_it_reaches_the_database(self, backend: Backend) -> None:
        with pytest.raises(ValueError, match="1-64 characters"):
            await backend.store.append("J" * 65, journey("J" * 65, 1))

    async def test_an_unknown_journey_is_not_found(self, backend: Backend) -> None:
        with pytest.raises(JourneyNotFound):
            await backend.store.read("J-nobody")
        with pytest.raises(JourneyNotFound):
            await backend.store.verify("J-nobody")
        assert await backend.store.get_row("J-nobody") is None

    async def test_verify_accepts_an_untouched_chain(self, backend: Backend) -> None:
        await backend.store.append("J-ok", journey("J-ok", 6))
        result = await backend.store.verify("J-ok")
        assert (result.ok, result.events, result.first_broken_seq) == (True, 6, None)

    async def test_verify_names_the_first_event_whose_payload_was_changed(self, backend: Backend) -> None:
        await backend.store.append("J-tamper", journey("J-tamper", 6))
        await backend.tamper("J-tamper", 4, {"alert_id": "A1", "note": "nothing to see"})
        result = await backend.store.verify("J-tamper")
        assert (result.ok, result.first_broken_seq) == (False, 4)
        assert "content" in (result.problem or "")
        assert [r.journey_id for r in [r async for r in backend.store.verify_all()] if not r.ok] == ["J-tamper"]

    async def test_the_journey_row_follows_the_log(self, backend: Backend) -> None:
        records = journey("J-row", 4, centre="fuda")
        await backend.store.append("J-row", records)
        row = await backend.store.get_row("J-row")
        assert row is not None
        assert (row.centre_id, row.product, row.stage, row.outcome) == ("fuda", "axi-cel", Stage.TELECONSULT, None)
        assert (row.overdue, row.open_alerts, row.last_seq) == (True, 1, 4)
        assert row.started_at == T0 and row.entered_stage_at == T0 + timedelta(days=2)
        assert row.next_deadline is not None and row.next_deadline_action
        await backend.store.append("J-row", journey("J-row", 6, centre="fuda")[4:])
        row = await backend.store.get_row("J-row")
        assert row is not None
        assert (row.stage, row.overdue, row.open_alerts, row.last_seq) == (Stage.SCREENING, False, 0, 6)

    async def test_stage_durations_add_up_closed_visits_per_centre(self, backend: Backend) -> None:
        await backend.store.append("J-d1", journey("J-d1", 6, centre="pku"))
        await backend.store.append("J-d2", journey("J-d2", 2, centre="pku"))
        await backend.store.append("J-d3", journey("J-d3", 6, centre="fuda"))
        got = {
            (r.centre_id, r.stage): (r.visits, r.total_days, r.mean_days) for r in await backend.store.stage_durations()
        }
        assert got == {
            ("fuda", Stage.RECORDS): (1, 2.0, 2.0),
            ("fuda", Stage.TELECONSULT): (1, 16.0, 16.0),
            ("pku", Stage.RECORDS): (2, 4.0, 2.0),
            ("pku", Stage.TELECONSULT): (1, 16.0, 16.0),
        }

    async def test_pages_follow_a_stable_keyset_order_with_no_row_twice(self, backend: Backend) -> None:
        # Ties on started_at are broken by journey id, so the order is total.
        ids = [f"J-page-{i}" for i in range(8)]
        for i, jid in enumerate(reversed(ids)):
            await backend.store.append(jid, journey(jid, 2, at=T0 + timedelta(hours=i // 3)))
        seen, cursor, pages = [], None, 0
        while True:
            page = await backend.store.list_journeys(limit=3, cursor=cursor)
            seen += [r.journey_id for r in page.rows]
            pages += 1
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        everything = await backend.store.list_journeys(limit=100)
        assert seen == [r.journey_id for r in everything.rows] and len(seen) == 8 and pages == 3
        keys = [(r.started_at, r.journey_id) for r in everything.rows]
        assert keys == sorted(keys)

    async def test_the_list_filters_by_stage_centre_overdue_and_outcome(self, backend: Backend) -> None:
        await backend.store.append("J-f1", journey("J-f1", 2, centre="pku"))
        await backend.store.append("J-f2", journey("J-f2", 4, centre="pku"))
        await backend.store.append("J-f3", journey("J-f3", 6, centre="fuda"))
        await backend.store.append("J-f4", journey("J-f4", 6, centre="fuda", outcome=Outcome.WITHDRAWN))

        async def ids(**kw: object) -> list[str]:
            return [r.journey_id for r in (await backend.store.list_journeys(**kw)).rows]  # type: ignore[arg-type]

        assert await ids(stage="teleconsult") == ["J-f1", "J-f2"]
        assert await ids(centre="fuda") == ["J-f3", "J-f4"]
        assert await ids(overdue=True) == ["J-f2"]
        assert await ids(overdue=False, centre="pku") == ["J-f1"]
        assert await ids(outcome="withdrawn") == ["J-f4"]
        assert await ids(stage="ended", centre="pku") == []

    async def test_a_cursor_the_store_did_not_hand_out_is_refused(self, backend: Backend) -> None:
        with pytest.raises(BadCursor):
            await backend.store.list_journeys(cursor="not-a-cursor")

    async def test_rebuilt_projections_equal_the_live_ones(self, backend: Backend) -> None:
        for i, centre in enumerate(["pku", "fuda", "pku", "jiahui", "ludaopei"]):
            jid = f"J-rebuild-{i}"
            records = journey(
                jid,
                3 + i,
                centre=centre,
                at=T0 + timedelta(minutes=7 * i),
                outcome=Outcome.COMPLETED if i == 4 else None,
            )
            for start in range(0, len(records), 2):
                await backend.store.append(jid, records[start : start + 2])
        live_rows = (await backend.store.list_journeys(limit=100)).rows
        live_durations = await backend.store.stage_durations()
        assert await backend.store.rebuild_projections() == sum(3 + i for i in range(5)) + 1
        assert (await backend.store.list_journeys(limit=100)).rows == live_rows
        assert await backend.store.stage_durations() == live_durations
        # Appends after a rebuild carry on from the rebuilt state.
        await backend.store.append("J-rebuild-0", [reminder(4, "after rebuild")])
        assert (await backend.store.get_row("J-rebuild-0")).last_seq == 4  # type: ignore[union-attr]
