"""What centres and operations staff report: one class per milestone kind.

Each class says in which stages it is accepted (`stages`), who may report it
(`reporters`) and what the accepted fact changes in the journey (`evolve`);
its decision handler lives in `domain.pathway`. To add a kind: a class here
(or in a module of its own, built on `MilestoneBase`), a member of the
`Milestone` union below, and a handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, get_args

from pydantic import Field, TypeAdapter

from domain.custody_milestones import CustodyTransferred, QualityRelease
from domain.milestone_base import (
    OPS,
    OPS_OR_CENTRE,
    Coi,
    Grade,
    Lot,
    MilestoneBase,
    ShortText,
    StaffId,
)
from domain.payments import ChargePosted, DepositOverridden, PaymentReceived
from domain.stages import OPEN_STAGES, POST_APHERESIS, Stage

if TYPE_CHECKING:
    from domain.state import JourneyState

TELECONSULT_SLOT = "teleconsult_slot"


class RecordsReceived(MilestoneBase):
    stages = frozenset({Stage.RECORDS})
    reporters = OPS_OR_CENTRE
    kind: Literal["records_received"] = "records_received"
    documents: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)


class TeleconsultCompleted(MilestoneBase):
    stages = frozenset({Stage.TELECONSULT})
    kind: Literal["teleconsult_completed"] = "teleconsult_completed"
    outcome: Literal["proceed", "not_candidate", "more_records"]
    notes: ShortText | None = None

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        # The slot has been used; nothing is left to release on withdrawal.
        return {"bookings": tuple(b for b in state.bookings if b.item != TELECONSULT_SLOT)}


class EligibilityDecided(MilestoneBase):
    stages = frozenset({Stage.SCREENING})
    kind: Literal["eligibility_decided"] = "eligibility_decided"
    eligible: bool
    product: Annotated[str, Field(max_length=64)] | None = None
    estimate_usd: Annotated[int, Field(ge=0, le=5_000_000)] | None = None
    reasons: list[ShortText] = Field(default_factory=list, max_length=20)

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {
            "eligible": self.eligible,
            "eligibility_decided_at": at,
            "estimate_usd": self.estimate_usd,
            "product": self.product or state.product,
        }


class EstimateAccepted(MilestoneBase):
    stages = frozenset({Stage.SCREENING})
    reporters = OPS
    kind: Literal["estimate_accepted"] = "estimate_accepted"


class PatientAdmitted(MilestoneBase):
    stages = frozenset({Stage.TRAVEL})
    reporters = OPS_OR_CENTRE
    kind: Literal["patient_admitted"] = "patient_admitted"
    interpreter: bool | None = None
    accommodation: ShortText | None = None


class ApheresisCompleted(MilestoneBase):
    stages = frozenset({Stage.APHERESIS})
    kind: Literal["apheresis_completed"] = "apheresis_completed"
    coi: Coi

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {"coi": self.coi, "apheresis_at": at}


class ProductReleased(MilestoneBase):
    stages = frozenset({Stage.MANUFACTURING})
    kind: Literal["product_released"] = "product_released"
    coi: Coi
    lot: Lot
    # The physician who signed off an out-of-specification product (required after
    # manufacturing_failed next=out_of_spec, second edition).
    out_of_spec_approved_by: StaffId | None = None

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {"lot": self.lot, "out_of_spec_approved_by": self.out_of_spec_approved_by}


class ManufacturingFailed(MilestoneBase):
    stages = frozenset({Stage.MANUFACTURING})
    kind: Literal["manufacturing_failed"] = "manufacturing_failed"
    reason: ShortText
    next: Literal["reapheresis", "out_of_spec", "stop"]

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        if self.next == "reapheresis":
            changes: dict[str, object] = {"reapheresis_count": state.reapheresis_count + 1}
            if state.edition >= 2:
                # New cells, a new product: the old product's out-of-spec flag no longer applies.
                changes.update(out_of_spec=False, out_of_spec_approved_by=None)
            return changes
        if self.next == "out_of_spec":
            return {"out_of_spec": True}
        return {}


class InfusionCompleted(MilestoneBase):
    stages = frozenset({Stage.INFUSION})
    kind: Literal["infusion_completed"] = "infusion_completed"
    coi: Coi
    # The bedside check (second edition): the bag's lot, read by two different staff.
    lot: Lot | None = None
    verified_by: list[StaffId] = Field(default_factory=list, max_length=4)

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {"infused_at": at}


class MonitoringReported(MilestoneBase):
    stages = frozenset({Stage.STAY})
    sequenced = False
    kind: Literal["monitoring_reported"] = "monitoring_reported"
    crs_grade: Grade
    icans_grade: Grade

    def accepted_stages(self, state: JourneyState) -> frozenset[Stage]:
        # Delayed ICANS, cytopenias and infections are reported after discharge too.
        return self.stages | {Stage.FOLLOW_UP} if state.edition >= 2 else self.stages

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        changes: dict[str, object] = {
            "max_crs_grade": max(state.max_crs_grade, self.crs_grade),
            "max_icans_grade": max(state.max_icans_grade, self.icans_grade),
        }
        if state.edition >= 2:
            episodes = dict(state.toxicity_episodes)
            for name, grade in (("crs", self.crs_grade), ("icans", self.icans_grade)):
                if grade >= state.policy.escalation_grade:
                    episodes[name] = max(grade, episodes.get(name, 0))
                else:
                    episodes.pop(name, None)
            latest = state.last_monitoring_at
            if latest is None or at >= latest:
                changes.update(
                    latest_crs_grade=self.crs_grade, latest_icans_grade=self.icans_grade, last_monitoring_at=at
                )
            changes["toxicity_episodes"] = episodes
        return changes


class Discharged(MilestoneBase):
    stages = frozenset({Stage.STAY})
    kind: Literal["discharged"] = "discharged"
    override_reason: ShortText | None = None

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {"discharged_at": at}


class FollowUpRecorded(MilestoneBase):
    stages = frozenset({Stage.FOLLOW_UP})
    kind: Literal["follow_up_recorded"] = "follow_up_recorded"
    visit_day: Annotated[int, Field(ge=1, le=3650)]
    response: Literal["CR", "PR", "SD", "PD"]

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        # Second edition: recorded under the scheduled visit it counts for (a day-33 visit is the day-30 visit).
        day = (state.scheduled_visit(self.visit_day) or self.visit_day) if state.edition >= 2 else self.visit_day
        return {"follow_ups": {**state.follow_ups, day: self.response}, "overdue": False}


class AdverseEventReported(MilestoneBase):
    # Once cells have been collected the patient carries clinical risk.
    stages = POST_APHERESIS
    sequenced = False
    kind: Literal["adverse_event_reported"] = "adverse_event_reported"
    term: ShortText
    grade: Annotated[int, Field(ge=1, le=5)]

    def accepted_stages(self, state: JourneyState) -> frozenset[Stage]:
        # Cells collected once means clinical risk, re-apheresis included.
        if state.edition >= 2 and state.coi is not None:
            return self.stages | {Stage.APHERESIS}
        return self.stages


class DeathReported(MilestoneBase):
    stages = POST_APHERESIS
    kind: Literal["death_reported"] = "death_reported"
    cause: ShortText

    def accepted_stages(self, state: JourneyState) -> frozenset[Stage]:
        # A patient can die at any point of the pathway; the record must never be refused.
        return OPEN_STAGES if state.edition >= 2 else self.stages


Milestone = Annotated[
    RecordsReceived
    | TeleconsultCompleted
    | EligibilityDecided
    | EstimateAccepted
    | PatientAdmitted
    | ApheresisCompleted
    | ProductReleased
    | ManufacturingFailed
    | InfusionCompleted
    | MonitoringReported
    | Discharged
    | FollowUpRecorded
    | AdverseEventReported
    | DeathReported
    | CustodyTransferred
    | QualityRelease
    | ChargePosted
    | PaymentReceived
    | DepositOverridden,
    Field(discriminator="kind"),
]

MILESTONE_ADAPTER: TypeAdapter[Milestone] = TypeAdapter(Milestone)
# Derived from the union, never listed by hand: a new class is known everywhere at once.
MILESTONE_CLASSES: tuple[type[MilestoneBase], ...] = get_args(get_args(Milestone)[0])
MILESTONE_KINDS: tuple[str, ...] = tuple(get_args(cls.model_fields["kind"].annotation)[0] for cls in MILESTONE_CLASSES)


def parse_milestone(data: object) -> Milestone:
    return MILESTONE_ADAPTER.validate_python(data)
