"""The custody milestones: each hand-off of the cells, and quality assurance's decision after a bad one.

`custody_transferred` is reported by the treating centre (it speaks for the
collection site, couriers and the manufacturing site it works with) from the
collection until infusion; `quality_release` answers an excursion or damage.
The rules are `domain.custody`; their decision handlers are in `domain.custody_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from domain.custody import (
    Condition,
    CustodyChain,
    HandOff,
    QualityDecision,
    after_rejection,
    decide_quality,
    hand_over,
)
from domain.milestone_base import Coi, MilestoneBase, ShortText, StaffId
from domain.stages import Stage

if TYPE_CHECKING:
    from domain.state import JourneyState

# From the collection (apheresis done) until the product is infused.
CUSTODY_STAGES: frozenset[Stage] = frozenset({Stage.MANUFACTURING, Stage.INFUSION})
Party = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9 ._:@()/#\-]+$")]


def current_custody(state: JourneyState) -> CustodyChain:
    """The chain of the cells collected last (a re-apheresis starts a new one)."""
    return state.custody.for_collection(state.reapheresis_count)


class CustodyTransferred(MilestoneBase):
    stages = CUSTODY_STAGES
    kind: Literal["custody_transferred"] = "custody_transferred"
    coi: Coi
    from_party: Party
    to_party: Party
    condition: Condition
    temperature_c: Annotated[float, Field(ge=-273.15, le=100)] | None = None
    seal_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    # How long the data logger saw the material out of range, when it knows.
    excursion_minutes: Annotated[float, Field(ge=0, le=525_600)] | None = None

    def hand_off(self) -> HandOff:
        return HandOff(
            from_party=self.from_party,
            to_party=self.to_party,
            condition=self.condition,
            at=self.occurred_at,
            temperature_c=self.temperature_c,
            seal_id=self.seal_id,
            excursion_minutes=self.excursion_minutes,
        )

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {"custody": hand_over(current_custody(state), self.hand_off())}


class QualityRelease(MilestoneBase):
    stages = CUSTODY_STAGES
    kind: Literal["quality_release"] = "quality_release"
    coi: Coi
    approved_by: StaffId
    decision: Literal["release", "reject"]
    reason: ShortText | None = None

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        decided = QualityDecision(approved_by=self.approved_by, decision=self.decision, at=self.occurred_at)
        changes: dict[str, object] = {"custody": decide_quality(current_custody(state), decided)}
        if self.decision == "reject" and after_quality_rejection(state) == "reapheresis":
            changes["reapheresis_count"] = state.reapheresis_count + 1
        return changes


def after_quality_rejection(state: JourneyState) -> Literal["reapheresis", "end"]:
    return after_rejection(state.reapheresis_count, state.policy.max_reapheresis)
