"""Long-term surveillance: yearly status checks after the last follow-up visit, up to a horizon.

Gene-modified cell therapies carry follow-up expectations of up to 15 years
(delayed adverse events, secondary malignancies). When the journey completes
its last scheduled visit it hands over to surveillance; the events here go into
the same journey log (same sequence and hash chain), and the journey's own fold
keeps their state in `JourneyState.surveillance`.

Vocabulary only (policy, the check a centre reports, events, state and its
fold); what is accepted and when deadlines fall is `domain.surveillance_rules`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain import events as ev
from domain.milestone_base import MilestoneId, OccurredAt, ShortText

DiseaseStatus = Literal["remission", "stable", "relapsed", "progression", "unknown"]
# Statuses that mean the disease came back: recorded and reported to the safety channel.
RELAPSE: frozenset[str] = frozenset({"relapsed", "progression"})
EndReason = Literal["horizon_reached", "deceased"]


class SurveillancePolicy(BaseModel):
    """How long and how often; `day_seconds` follows the pathway's, so the demo compresses it too."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    horizon_years: int = Field(15, ge=1, le=30)
    interval_days: float = Field(365, gt=0)
    # The centre is reminded this long before a yearly check falls due ...
    remind_before_days: float = Field(30, ge=0)
    # ... and the check counts as missed (alert, overdue) this long after it.
    window_days: float = Field(90, gt=0)
    day_seconds: float = Field(86400.0, gt=0)

    def days(self, n: float) -> timedelta:
        return timedelta(seconds=n * self.day_seconds)

    def lifetime(self) -> timedelta:
        """A backstop for the workflow's execution timeout: the horizon plus a year's grace.

        Set explicitly because Temporal's test server otherwise applies ten years."""
        return self.days(self.interval_days * (self.horizon_years + 1) + self.window_days)


class SurveillanceCheck(BaseModel):
    """What a centre (or the hub's remote follow-up) reports: one yearly check, or an
    unscheduled report (`year` omitted) of a relapse or a death between checks."""

    # `_complete`'s two rules in the published schema too (JSON Schema if/then, OpenAPI 3.1),
    # so a body the schema admits is one the server takes.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"alive": {"const": True}}, "required": ["alive"]},
                    "then": {"required": ["disease_status"], "properties": {"disease_status": {"type": "string"}}},
                },
                {
                    "if": {"properties": {"alive": {"const": False}}, "required": ["alive"]},
                    "then": {"required": ["cause_of_death"], "properties": {"cause_of_death": {"type": "string"}}},
                },
            ]
        },
    )

    kind: Literal["surveillance_check_recorded"] = "surveillance_check_recorded"
    milestone_id: MilestoneId
    occurred_at: OccurredAt
    year: Annotated[int, Field(ge=1, le=30)] | None = None
    alive: bool
    disease_status: DiseaseStatus | None = None
    secondary_malignancy: bool = False
    # The therapy started since the last check (a new line of treatment), if any.
    new_therapy: ShortText | None = None
    cause_of_death: ShortText | None = None
    notes: ShortText | None = None

    @model_validator(mode="after")
    def _complete(self) -> SurveillanceCheck:
        if self.alive and self.disease_status is None:
            raise ValueError("disease_status is required for a living patient")
        if not self.alive and self.cause_of_death is None:
            raise ValueError("cause_of_death is required when alive is false (use 'unknown' if it is)")
        return self

    def digest(self) -> str:
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()


class SurveillanceEvent(ev.Event):
    """Marks the events the journey fold hands to `evolve_surveillance`."""


class SurveillanceStarted(SurveillanceEvent):
    kind: ClassVar[str] = "surveillance_started"
    policy: SurveillancePolicy
    # Yearly checks are counted from the infusion, like the follow-up visits; the first is the
    # first whole year after the hand-over (the 12-month visit already covered year 1).
    anchor: datetime
    first_year: int = 1


class SurveillanceCheckRecorded(SurveillanceEvent):
    kind: ClassVar[str] = "surveillance_check_recorded"
    check: SurveillanceCheck


class SurveillanceCheckMissed(SurveillanceEvent):
    kind: ClassVar[str] = "surveillance_check_missed"
    year: int
    due_at: datetime


class SurveillanceEnded(SurveillanceEvent):
    kind: ClassVar[str] = "surveillance_ended"
    reason: EndReason


EVENT_TYPES: tuple[type[ev.Event], ...] = (
    SurveillanceStarted,
    SurveillanceCheckRecorded,
    SurveillanceCheckMissed,
    SurveillanceEnded,
)
# Known to the stored-event codec wherever journey state is (domain.state imports this module).
ev.EVENT_TYPES.update({cls.kind: cls for cls in EVENT_TYPES})


class SurveillanceState(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: SurveillancePolicy
    anchor: datetime
    first_year: int = 1
    started_at: datetime
    # year -> disease status ("deceased" for the report of a death)
    recorded: dict[int, str] = Field(default_factory=dict)
    missed: tuple[int, ...] = ()
    relapsed: bool = False
    secondary_malignancy: bool = False
    last_check_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    digests: dict[str, str] = Field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def due(self, year: int) -> datetime:
        return self.anchor + self.policy.days(year * self.policy.interval_days)

    def years(self) -> range:
        return range(self.first_year, self.policy.horizon_years + 1)

    def next_year(self) -> int | None:
        """The earliest yearly check neither recorded nor missed: the one the timers watch."""
        for year in self.years():
            if year not in self.recorded and year not in self.missed:
                return year
        return None


def journey_changes(current: SurveillanceState | None, event: SurveillanceEvent) -> dict[str, Any]:
    """What a surveillance event changes on the journey state (its `surveillance` and `overdue`)."""
    match event:
        case SurveillanceStarted(policy=policy, anchor=anchor, first_year=first):
            return {
                "surveillance": SurveillanceState(
                    policy=policy, anchor=anchor, first_year=first, started_at=event.occurred_at
                )
            }
    if current is None:
        return {}  # not reachable through decide; a fold never crashes on a stray event
    match event:
        case SurveillanceCheckRecorded(check=check):
            status = check.disease_status if check.alive else "deceased"
            update: dict[str, Any] = {
                "last_check_at": check.occurred_at,
                "digests": {**current.digests, check.milestone_id: check.digest()},
                "relapsed": current.relapsed or check.disease_status in RELAPSE,
                "secondary_malignancy": current.secondary_malignancy or check.secondary_malignancy,
            }
            if check.year is not None:
                update["recorded"] = {**current.recorded, check.year: status}
            # A check answers whatever was overdue.
            return {"surveillance": current.model_copy(update=update), "overdue": False}
        case SurveillanceCheckMissed(year=year):
            return {"surveillance": current.model_copy(update={"missed": (*current.missed, year)})}
        case SurveillanceEnded(reason=reason):
            ended = current.model_copy(update={"ended_at": event.occurred_at, "end_reason": reason})
            # Nothing is pending any more, so nothing can be overdue.
            return {"surveillance": ended, "overdue": False}
    return {}
