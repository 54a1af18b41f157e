"""Request and response bodies of the HTTP API (kept apart from the domain's own models,
so the public contract changes only on purpose)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.custody_models import CustodyOut, ReservationOut
from domain.messages.params import LanguageTag
from domain.stages import Outcome, Severity, Stage
from domain.view import JourneyView
from journeys import reference_data
from store.base import StoredEvent
from store.projection import JourneyRow

PatientRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="Opaque patient reference: never a name or passport number",
    ),
]
RefId = Annotated[str, Field(min_length=1, max_length=64)]


def enumerated(ids: Callable[[], Mapping[str, object]]) -> Callable[[dict[str, Any]], None]:
    """Publish the ids the reference data holds as the schema's `enum` (read when the schema is
    built, so a centre added to the data files appears without a code change). The server checks
    the same data and answers an unknown id with `unknown_reference`."""

    def extra(schema: dict[str, Any]) -> None:
        strings = [s for s in schema.get("anyOf", [schema]) if s.get("type") == "string"]
        for s in strings:
            s["enum"] = sorted(ids())

    return extra


CentreId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="Centre id from GET /v1/centres",
        json_schema_extra=enumerated(reference_data.centres),
    ),
]
ProductId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="Product id from GET /v1/products",
        json_schema_extra=enumerated(reference_data.products),
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartJourneyIn(_In):
    patient_ref: PatientRef
    centre_id: CentreId
    product: ProductId | None = Field(None, description="Product id from GET /v1/products, if known")
    language: LanguageTag = Field(
        "en", description="The patient's language (BCP 47, e.g. en, zh-CN, ru, ar): patient messages use it"
    )
    interpreter_needed: StrictBool = Field(False, description="Book an interpreter for the stay")


class WithdrawIn(_In):
    reason: Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]


class AcknowledgeIn(_In):
    note: Annotated[str, Field(max_length=500)] = ""


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every 4xx/5xx answer: `code` is stable for programs, `reason` is for people."""

    code: str
    reason: str
    errors: list[ErrorItem] | None = None
    journey_id: str | None = None


class DeadlineOut(BaseModel):
    key: str
    due_at: datetime
    action: str
    audience: str
    message: str


class AlertOut(BaseModel):
    alert_id: str
    severity: Severity
    code: str
    message: str
    raised_at: datetime


class StageVisitOut(BaseModel):
    stage: Stage
    entered_at: datetime
    left_at: datetime | None = None


class JourneyOut(BaseModel):
    journey_id: str
    centre_id: str
    product: str | None
    stage: Stage
    outcome: Outcome | None
    end_reason: str | None
    started_at: datetime
    stage_entered_at: datetime
    coi: str | None
    lot: str | None
    reapheresis_count: int
    infused_at: datetime | None
    discharged_at: datetime | None
    max_crs_grade: int
    max_icans_grade: int
    follow_ups: dict[int, str]
    next_deadline: DeadlineOut | None
    deadlines: list[DeadlineOut]
    overdue: bool
    open_alerts: list[AlertOut]
    stages: list[StageVisitOut]
    last_seq: int
    custody: CustodyOut | None = None
    reservation: ReservationOut | None = None
    language: str | None = Field(None, description="BCP 47; null for journeys started before languages")
    interpreter_needed: bool = False
    awaiting_deposit: bool = Field(
        False, description="in travel, flights and accommodation wait for the deposit (or an ops override)"
    )
    source: Literal["temporal", "event_log"] = Field(
        "temporal",
        description="temporal: live workflow state; event_log: rebuilt from the log "
        "(closed journeys past Temporal's retention, or Temporal unreachable)",
    )

    @classmethod
    def of(cls, view: JourneyView, source: Literal["temporal", "event_log"] = "temporal") -> JourneyOut:
        return cls.model_validate({**view.model_dump(exclude={"bookings"}), "source": source})


class JourneyRowOut(BaseModel):
    journey_id: str
    centre_id: str
    product: str | None
    stage: Stage
    outcome: Outcome | None
    started_at: datetime
    entered_stage_at: datetime
    next_deadline: datetime | None
    next_deadline_action: str | None
    overdue: bool
    open_alerts: int
    last_seq: int
    updated_at: datetime
    surveillance: Literal["active", "ended"] | None = Field(
        None, description="Long-term surveillance after a completed journey (null: never under it)"
    )
    surveillance_due: datetime | None = Field(None, description="When the next yearly check is due")

    @classmethod
    def of(cls, row: JourneyRow) -> JourneyRowOut:
        return cls.model_validate(row.model_dump())


class JourneyPageOut(BaseModel):
    journeys: list[JourneyRowOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last")


class HistoryEntryOut(BaseModel):
    seq: int
    kind: str
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    prev_hash: str
    hash: str
    payload: dict[str, Any]

    @classmethod
    def of(cls, event: StoredEvent) -> HistoryEntryOut:
        return cls.model_validate(event.model_dump())


class HistoryOut(BaseModel):
    journey_id: str
    events: list[HistoryEntryOut]
    chain_verified: bool = Field(description="True when every hash links to the one before it")


class ProductOut(BaseModel):
    id: str
    name: str
    target: str
    indication: str
    year: int
    manufacturer: str


class CentreOut(BaseModel):
    id: str
    name: str
    city: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    temporal: Literal["ok", "unreachable"]
