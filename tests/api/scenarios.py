"""Journeys with realistic, weeks-long timelines for the manager page, built with the pure domain.

The workflow would take real (or skipped) weeks to produce these; the domain's own
`decide`, `fire` and `evolve` produce exactly the events it would record, at chosen times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain import rules, timers
from domain.actors import Actor
from domain.events import Event, EventRecord, to_record
from domain.milestones import parse_milestone
from domain.policy import PathwayPolicy
from domain.state import JourneyState, evolve, initial_state

OPS = Actor.ops("tok-scenario")


class SyntheticJourney:
    def __init__(
        self,
        journey_id: str,
        centre: str,
        started: datetime,
        product: str | None = None,
        policy: PathwayPolicy | None = None,
    ) -> None:
        event = rules.start(
            journey_id=journey_id,
            patient_ref=f"ref-{journey_id}",
            centre_id=centre,
            product=product,
            policy=policy or PathwayPolicy(),
            actor=OPS,
            now=started,
            edition=1,  # synthetic logs for the read side: the first edition's simpler flow
        )
        self.state: JourneyState = initial_state(event)
        self.records: list[EventRecord] = [to_record(event, 1)]
        self.clock = started

    def _apply(self, events: list[Event]) -> None:
        for event in events:
            self.state = evolve(self.state, event)
            self.records.append(to_record(event, self.state.seq))

    def advance(self, days: float) -> SyntheticJourney:
        """Let time pass: every deadline that falls due fires, as the workflow's timers would."""
        until = self.clock + timedelta(days=days)
        while (due := timers.next_deadline(self.state)) is not None and due.due_at <= until:
            self._apply(timers.fire(self.state, due, due.due_at))
        self.clock = until
        return self

    def report(self, kind: str, after_days: float = 0, actor: str | None = None, **fields: Any) -> SyntheticJourney:
        self.advance(after_days)
        who = (
            Actor.parse(actor)
            if actor
            else (OPS if kind in ("estimate_accepted",) else Actor.of_centre(self.state.centre_id))
        )
        milestone = parse_milestone(
            {
                "kind": kind,
                "milestone_id": f"{kind}-{self.state.seq}",
                "occurred_at": self.clock,
                **fields,
            }
        )
        self._apply(rules.decide(self.state, milestone, who, self.clock))
        return self

    def withdraw(self, reason: str, after_days: float = 0) -> SyntheticJourney:
        self.advance(after_days)
        self._apply(rules.withdraw(self.state, reason, OPS, self.clock))
        return self

    def to_manufacturing(self, coi: str) -> SyntheticJourney:
        return (
            self.report("records_received", 5, documents=["pathology", "imaging"])
            .report("teleconsult_completed", 6, outcome="proceed")
            .report("eligibility_decided", 9, eligible=True, product="axi-cel", estimate_usd=98000)
            .report("estimate_accepted", 3)
            .report("patient_admitted", 16, interpreter=True)
            .report("apheresis_completed", 3, coi=coi)
        )


def cohort(now: datetime) -> list[SyntheticJourney]:
    """A handful of journeys in different stages, some late, as of `now`."""

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    j = [
        SyntheticJourney("J1a2b3c4d5e6f7a80", "pku", ago(4)),
        SyntheticJourney("J2b3c4d5e6f7a8b91", "fuda", ago(19)).report("records_received", 16),
        SyntheticJourney("J3c4d5e6f7a8b9c02", "jiahui", ago(31))
        .report("records_received", 4)
        .report("teleconsult_completed", 8, outcome="proceed"),
        SyntheticJourney("J4d5e6f7a8b9c0d13", "ludaopei", ago(75)).to_manufacturing("COI-4D5E"),
        SyntheticJourney("J5e6f7a8b9c0d1e24", "pku", ago(93))
        .to_manufacturing("COI-5E6F")
        .report("product_released", 24, coi="COI-5E6F", lot="LOT-5E6F-1")
        .report("infusion_completed", 3, coi="COI-5E6F")
        .report("monitoring_reported", 1, crs_grade=1, icans_grade=0)
        .report("monitoring_reported", 1, crs_grade=3, icans_grade=1),
        SyntheticJourney("J6f7a8b9c0d1e2f35", "fuda", ago(180))
        .to_manufacturing("COI-6F7A")
        .report("product_released", 20, coi="COI-6F7A", lot="LOT-6F7A-1")
        .report("infusion_completed", 2, coi="COI-6F7A")
        .report("discharged", 16)
        .report("follow_up_recorded", 14, visit_day=30, response="CR"),
        SyntheticJourney("J7a8b9c0d1e2f3a46", "jiahui", ago(60))
        .report("records_received", 3)
        .report("teleconsult_completed", 5, outcome="proceed")
        .report("eligibility_decided", 6, eligible=False, reasons=["prior CAR-T within 6 months"]),
        SyntheticJourney("J8b9c0d1e2f3a4b57", "ludaopei", ago(50))
        .to_manufacturing("COI-8B9C")
        .withdraw("patient chose treatment at home", 2),
    ]
    for journey in j:
        journey.advance((now - journey.clock).total_seconds() / 86400)
    return j


async def save(store: Any, journeys: list[SyntheticJourney]) -> None:
    for journey in journeys:
        await store.append(journey.state.journey_id, journey.records)
