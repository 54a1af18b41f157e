"""A pure, in-memory journey for domain tests: `decide` + `evolve` + `timers`, no Temporal.

It mirrors what the workflow does (apply the events a command returns, fire each
deadline when it falls due) so domain tests read like the pathway itself.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from domain import events as ev
from domain import rules, timers
from domain.actors import Actor
from domain.errors import JourneyRuleError
from domain.milestones import Milestone, parse_milestone
from domain.policy import PathwayPolicy
from domain.state import JourneyState, evolve, initial_state

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
COI = "COI-0001"
OPS = Actor.ops("alice")
OPS_KINDS = {"estimate_accepted", "payment_received", "deposit_overridden"}


class Pathway:
    def __init__(
        self,
        policy: PathwayPolicy | None = None,
        *,
        centre: str = "pku",
        product: str | None = None,
        # The first edition by default: those rules still govern every journey started before
        # the second (tests/domain/test_clinical_rules.py drives the second edition).
        edition: int = 1,
        catalogue: dict[str, PathwayPolicy] | None = None,
        language: str | None = None,
        interpreter_needed: bool = False,
    ) -> None:
        self.policy = policy or PathwayPolicy()
        self.centre = centre
        self.now = T0
        self.started = rules.start(
            journey_id="J-test",
            patient_ref="ref-1",
            centre_id=centre,
            product=product,
            policy=self.policy,
            actor=OPS,
            now=T0,
            edition=edition,
            time_zone="Asia/Shanghai",
            language=language,
            interpreter_needed=interpreter_needed,
        )
        self.catalogue = catalogue
        self.state: JourneyState = initial_state(self.started)
        self.events: list[ev.Event] = [self.started]
        self._ids = itertools.count(1)

    # -- time ---------------------------------------------------------------

    def later(self, days: float) -> Pathway:
        """Move the clock on, firing every deadline that falls due on the way, at its due time."""
        until = self.now + self.policy.days(days)
        while (due := timers.next_deadline(self.state)) is not None and due.due_at <= until:
            self.now = max(self.now, due.due_at)
            self.apply(timers.fire(self.state, due, self.now))
        self.now = until
        return self

    # -- commands -----------------------------------------------------------

    def actor_for(self, kind: str) -> Actor:
        return OPS if kind in OPS_KINDS else Actor.of_centre(self.centre)

    def milestone(self, kind: str, *, milestone_id: str | None = None, **fields: Any) -> Milestone:
        mid = milestone_id or f"m{next(self._ids)}"
        return parse_milestone({"kind": kind, "milestone_id": mid, "occurred_at": self.now, **fields})

    def decide(self, milestone: Milestone, actor: str | None = None) -> list[ev.Event]:
        who = self.actor_for(milestone.kind) if actor is None else Actor.parse(actor)
        return rules.decide(self.state, milestone, who, self.now, self.catalogue)

    def report(
        self, kind: str, *, actor: str | None = None, milestone_id: str | None = None, **fields: Any
    ) -> list[ev.Event]:
        """Report a milestone that must be accepted; returns (and applies) its events."""
        m = self.milestone(kind, milestone_id=milestone_id, **fields)
        return self.apply(self.decide(m, actor))

    def refuse(
        self, kind: str, *, actor: str | None = None, milestone_id: str | None = None, **fields: Any
    ) -> JourneyRuleError:
        """Report a milestone that must be refused; the state must not change."""
        before = self.state
        m = self.milestone(kind, milestone_id=milestone_id, **fields)
        try:
            self.decide(m, actor)
        except JourneyRuleError as err:
            assert self.state == before
            return err
        raise AssertionError(f"{kind} was accepted but should have been refused")

    def withdraw(self, reason: str = "patient chose to stop", actor: str = str(OPS)) -> list[ev.Event]:
        return self.apply(rules.withdraw(self.state, reason, Actor.parse(actor), self.now))

    def apply(self, events: list[ev.Event]) -> list[ev.Event]:
        for event in events:
            self.state = evolve(self.state, event)
            self.events.append(event)
        return events

    # -- whole stretches of the pathway --------------------------------------

    def to_teleconsult(self) -> Pathway:
        self.report("records_received", documents=["pathology", "imaging"])
        return self

    def to_screening(self) -> Pathway:
        self.to_teleconsult().report("teleconsult_completed", outcome="proceed")
        return self

    def to_estimate(self) -> Pathway:
        self.to_screening().report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=95_000)
        return self

    def to_travel(self) -> Pathway:
        self.to_estimate().report("estimate_accepted")
        return self

    def to_apheresis(self) -> Pathway:
        self.to_travel().report("patient_admitted", interpreter=True)
        return self

    def to_manufacturing(self, coi: str = COI) -> Pathway:
        self.to_apheresis().report("apheresis_completed", coi=coi)
        return self

    def to_infusion(self, coi: str = COI) -> Pathway:
        self.to_manufacturing(coi).later(18).report("product_released", coi=coi, lot="LOT-1")
        return self

    def to_stay(self, coi: str = COI) -> Pathway:
        self.to_infusion(coi).report("infusion_completed", **self.bedside(coi))
        return self

    def bedside(self, coi: str = COI, lot: str = "LOT-1") -> dict[str, Any]:
        """An infusion report that passes the bedside check (second edition)."""
        if self.state.edition < 2:
            return {"coi": coi}
        return {"coi": coi, "lot": lot, "verified_by": ["nurse-a", "nurse-b"]}

    def to_follow_up(self) -> Pathway:
        self.to_stay().later(self.policy.min_stay_days)
        if self.state.edition >= 2:
            self.report("monitoring_reported", crs_grade=0, icans_grade=0)
        self.report("discharged")
        return self


def kinds(events: list[ev.Event]) -> list[str]:
    return [e.record_kind() for e in events]


def alerts(events: list[ev.Event]) -> list[ev.AlertRaised]:
    return [e for e in events if isinstance(e, ev.AlertRaised)]
