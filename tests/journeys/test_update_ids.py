"""Temporal stores update ids in plain text: a centre's milestone_id must not be readable there."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.milestones import parse_milestone
from journeys.client import milestone_update_id


def milestone(mid: str, **fields: object):  # type: ignore[no-untyped-def]
    return parse_milestone(
        {"kind": "records_received", "milestone_id": mid, "occurred_at": datetime(2026, 1, 1, tzinfo=UTC), **fields}
    )


def test_the_update_id_does_not_carry_the_milestone_id() -> None:
    uid = milestone_update_id(milestone("PATIENT-ZHANG-visit-1"), b"k")
    assert "ZHANG" not in uid and "visit" not in uid and uid.startswith("milestone-")


def test_same_id_and_body_give_the_same_update_id_and_another_key_another_one() -> None:
    m = milestone("m-1")
    assert milestone_update_id(m, b"k") == milestone_update_id(milestone("m-1"), b"k")
    assert milestone_update_id(m, b"k") != milestone_update_id(m, b"other")
    assert milestone_update_id(m, b"k") != milestone_update_id(milestone("m-2"), b"k")
