"""What centres and operations staff report: one model per milestone kind.

Kinds are past-tense facts, so an accepted milestone is recorded under its own
kind in the event log. Extra fields are refused: a typo in a clinical report
must not be silently dropped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

MilestoneId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
Coi = Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")]
Grade = Annotated[int, Field(ge=0, le=4)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]


class _Milestone(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    milestone_id: MilestoneId
    occurred_at: AwareDatetime

    def digest(self) -> str:
        """Stable fingerprint of the body, to refuse a reused id with different content."""
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()


class RecordsReceived(_Milestone):
    kind: Literal["records_received"] = "records_received"
    documents: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)


class TeleconsultCompleted(_Milestone):
    kind: Literal["teleconsult_completed"] = "teleconsult_completed"
    outcome: Literal["proceed", "not_candidate", "more_records"]
    notes: ShortText | None = None


class EligibilityDecided(_Milestone):
    kind: Literal["eligibility_decided"] = "eligibility_decided"
    eligible: bool
    product: Annotated[str, Field(max_length=64)] | None = None
    estimate_usd: Annotated[int, Field(ge=0, le=5_000_000)] | None = None
    reasons: list[ShortText] = Field(default_factory=list, max_length=20)


class EstimateAccepted(_Milestone):
    kind: Literal["estimate_accepted"] = "estimate_accepted"


class PatientAdmitted(_Milestone):
    kind: Literal["patient_admitted"] = "patient_admitted"
    interpreter: bool | None = None
    accommodation: ShortText | None = None


class ApheresisCompleted(_Milestone):
    kind: Literal["apheresis_completed"] = "apheresis_completed"
    coi: Coi


class ProductReleased(_Milestone):
    kind: Literal["product_released"] = "product_released"
    coi: Coi
    lot: Annotated[str, Field(min_length=1, max_length=64)]


class ManufacturingFailed(_Milestone):
    kind: Literal["manufacturing_failed"] = "manufacturing_failed"
    reason: ShortText
    next: Literal["reapheresis", "out_of_spec", "stop"]


class InfusionCompleted(_Milestone):
    kind: Literal["infusion_completed"] = "infusion_completed"
    coi: Coi


class MonitoringReported(_Milestone):
    kind: Literal["monitoring_reported"] = "monitoring_reported"
    crs_grade: Grade
    icans_grade: Grade


class Discharged(_Milestone):
    kind: Literal["discharged"] = "discharged"
    override_reason: ShortText | None = None


class FollowUpRecorded(_Milestone):
    kind: Literal["follow_up_recorded"] = "follow_up_recorded"
    visit_day: Annotated[int, Field(ge=1, le=3650)]
    response: Literal["CR", "PR", "SD", "PD"]


class AdverseEventReported(_Milestone):
    kind: Literal["adverse_event_reported"] = "adverse_event_reported"
    term: ShortText
    grade: Annotated[int, Field(ge=1, le=5)]


class DeathReported(_Milestone):
    kind: Literal["death_reported"] = "death_reported"
    cause: ShortText


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
    | DeathReported,
    Field(discriminator="kind"),
]

MILESTONE_ADAPTER: TypeAdapter[Milestone] = TypeAdapter(Milestone)

MILESTONE_KINDS: tuple[str, ...] = (
    "records_received",
    "teleconsult_completed",
    "eligibility_decided",
    "estimate_accepted",
    "patient_admitted",
    "apheresis_completed",
    "product_released",
    "manufacturing_failed",
    "infusion_completed",
    "monitoring_reported",
    "discharged",
    "follow_up_recorded",
    "adverse_event_reported",
    "death_reported",
)

# Who may report what. The hub collects records and books arrival; clinical
# facts come only from the treating centre; commercial acceptance is the hub's.
OPS_ONLY: frozenset[str] = frozenset({"estimate_accepted"})
OPS_OR_CENTRE: frozenset[str] = frozenset({"records_received", "patient_admitted"})
CENTRE_ONLY: frozenset[str] = frozenset(MILESTONE_KINDS) - OPS_ONLY - OPS_OR_CENTRE


def parse_milestone(data: object) -> Milestone:
    return MILESTONE_ADAPTER.validate_python(data)
