"""One complete journey as the benchmarks drive it: a compressed policy and the milestones.

A day lasts `day_seconds` (a minute by default), so the earliest deadline of any stage
(a records reminder at day 7) is minutes away while a journey passes in about a second:
every stage still arms its durable timer, and none fires. Follow-up visits are
recorded as soon as the patient is discharged (a visit may be reported at any time).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from domain.actors import Actor
from domain.milestones import Milestone, parse_milestone
from domain.policy import PathwayPolicy
from domain.view import JourneyView
from journeys.client import JourneyClient

CENTRE = "pku"
COI = "COI-BENCH"
OPS_KINDS = {"estimate_accepted"}

# Every stage once, one monitoring report in the stay, all four follow-up visits.
FULL_JOURNEY: list[tuple[str, dict[str, Any]]] = [
    ("records_received", {}),
    ("teleconsult_completed", {"outcome": "proceed"}),
    ("eligibility_decided", {"eligible": True, "product": "axi-cel", "estimate_usd": 90000}),
    ("estimate_accepted", {}),
    ("patient_admitted", {}),
    ("apheresis_completed", {"coi": COI}),
    ("product_released", {"coi": COI, "lot": "LOT-BENCH"}),
    ("infusion_completed", {"coi": COI}),
    ("monitoring_reported", {"crs_grade": 1, "icans_grade": 0}),
    ("discharged", {}),
    ("follow_up_recorded", {"visit_day": 30, "response": "CR"}),
    ("follow_up_recorded", {"visit_day": 90, "response": "CR"}),
    ("follow_up_recorded", {"visit_day": 180, "response": "CR"}),
    ("follow_up_recorded", {"visit_day": 365, "response": "CR"}),
]


def policy_overrides(day_seconds: float) -> dict[str, Any]:
    return {"day_seconds": day_seconds, "min_stay_days": 0}


def compressed_policy(day_seconds: float) -> PathwayPolicy:
    return PathwayPolicy(**policy_overrides(day_seconds))


def actor_for(kind: str) -> Actor:
    return Actor.ops("bench") if kind in OPS_KINDS else Actor.of_centre(CENTRE)


def milestone(kind: str, **fields: Any) -> Milestone:
    return parse_milestone({"kind": kind, "milestone_id": uuid.uuid4().hex, "occurred_at": datetime.now(UTC), **fields})


async def start(journeys: JourneyClient, day_seconds: float) -> str:
    view = await journeys.start(
        patient_ref=f"bench-{uuid.uuid4().hex[:12]}",
        centre_id=CENTRE,
        product=None,
        actor=Actor.ops("bench"),
        policy_overrides=policy_overrides(day_seconds),
        # The whole pathway at once: first-edition rules (no clinical clock).
        rules_edition=1,
    )
    return view.journey_id


async def complete(journeys: JourneyClient, day_seconds: float) -> str:
    """Start a journey and report every milestone; returns its id once it has ended."""
    journey_id = await start(journeys, day_seconds)
    view: JourneyView | None = None
    for kind, fields in FULL_JOURNEY:
        view = await journeys.report(journey_id, milestone(kind, **fields), actor_for(kind))
    assert view is not None and view.outcome is not None, f"{journey_id} did not end"
    await journeys.handle(journey_id).result()
    return journey_id
