"""Domain events: past-tense facts, exactly what the event store records.

Every event carries the workflow time it happened at and who caused it (an
`Actor`; `system` for timers and effects). `to_record` / `EventRecord.to_event`
are the one codec between an event and its stored form: the workflow, the
store, the API and the UI all go through them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from domain.actors import SYSTEM as SYSTEM
from domain.actors import Actor
from domain.milestones import MILESTONE_ADAPTER, Milestone
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: ClassVar[str]

    occurred_at: datetime
    actor: Actor

    def record_kind(self) -> str:
        return self.kind

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"occurred_at", "actor"})


class JourneyStarted(Event):
    kind: ClassVar[str] = "journey_started"
    journey_id: str
    patient_ref: str
    centre_id: str
    product: str | None
    policy: PathwayPolicy
    # Which edition of the clinical rules governs this journey (1: the first edition, for
    # journeys started before the second; see domain.rules.CURRENT_EDITION).
    edition: int = 1
    # The centre's calendar: day 0 is the infusion day in this zone.
    time_zone: str = "UTC"
    # Patient services (issue 13): None for journeys started before them (English, no deposit gate).
    language: str | None = None
    interpreter_needed: bool = False


class StageEntered(Event):
    kind: ClassVar[str] = "stage_entered"
    stage: Stage
    previous: Stage | None


class MilestoneAccepted(Event):
    """Recorded under the milestone's own kind, which is already a past-tense fact."""

    kind: ClassVar[str] = "milestone_accepted"
    milestone: Milestone

    def record_kind(self) -> str:
        return self.milestone.kind

    def payload(self) -> dict[str, Any]:
        return self.milestone.model_dump(mode="json", exclude={"kind"})


class ReminderSent(Event):
    kind: ClassVar[str] = "reminder_sent"
    deadline: str
    audience: Literal["patient", "centre", "ops"]
    message: str


class AlertRaised(Event):
    kind: ClassVar[str] = "alert_raised"
    alert_id: str
    severity: Severity
    code: str
    message: str
    # True when the alert means the journey is behind its plan.
    overdue: bool = False
    # The timer that raised it, if any, so it fires once per stage visit.
    deadline: str | None = None
    # A clinical alert (toxicity, death, wrong product, a patient kept past the maximum
    # stay): from the second edition only critical and high clinical alerts page safety.
    clinical: bool = False


class AlertAcknowledged(Event):
    kind: ClassVar[str] = "alert_acknowledged"
    alert_id: str
    note: str


class BookingMade(Event):
    kind: ClassVar[str] = "booking_made"
    item: str
    reference: str


class BookingCancelled(Event):
    kind: ClassVar[str] = "booking_cancelled"
    item: str
    reference: str


class FollowUpMissed(Event):
    """A scheduled follow-up visit whose window passed with nothing recorded."""

    kind: ClassVar[str] = "follow_up_missed"
    visit_day: int


class PolicyResolved(Event):
    """The product was first named (or changed) at eligibility: its policy now governs the journey."""

    kind: ClassVar[str] = "policy_resolved"
    product: str
    policy: PathwayPolicy


class JourneyWithdrawn(Event):
    kind: ClassVar[str] = "journey_withdrawn"
    reason: str


class JourneyEnded(Event):
    kind: ClassVar[str] = "journey_ended"
    outcome: Outcome
    reason: str


class PersonalDataErased(Event):
    """The patient's personal data in this journey was erased (its data key destroyed); the
    clinical history stays, pseudonymous."""

    kind: ClassVar[str] = "personal_data_erased"
    fields: tuple[str, ...] = ("patient_ref",)


class TravelReleased(Event):
    """Flights and accommodation may be booked: the deposit is covered, or ops overrode it with a reason."""

    kind: ClassVar[str] = "travel_released"
    reason: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        JourneyStarted,
        StageEntered,
        TravelReleased,
        ReminderSent,
        AlertRaised,
        AlertAcknowledged,
        BookingMade,
        BookingCancelled,
        JourneyWithdrawn,
        JourneyEnded,
        PersonalDataErased,
        FollowUpMissed,
        PolicyResolved,
    )
}


def event_from_record(kind: str, payload: dict[str, Any], occurred_at: datetime, actor: str | Actor) -> Event:
    """Rebuild a typed event from its stored form (the inverse of record_kind/payload)."""
    who = actor if isinstance(actor, Actor) else Actor.parse(actor)
    if kind in EVENT_TYPES:
        return EVENT_TYPES[kind].model_validate({**payload, "occurred_at": occurred_at, "actor": who})
    milestone = MILESTONE_ADAPTER.validate_python({**payload, "kind": kind})
    return MilestoneAccepted(milestone=milestone, occurred_at=occurred_at, actor=who)


class EventRecord(BaseModel):
    """The stored, transportable form of an event: what the event log appends."""

    model_config = ConfigDict(frozen=True)
    seq: int
    kind: str
    actor: str
    occurred_at: datetime
    payload: dict[str, Any]

    def to_event(self) -> Event:
        return event_from_record(self.kind, self.payload, self.occurred_at, self.actor)


def to_record(event: Event, seq: int) -> EventRecord:
    return EventRecord(
        seq=seq,
        kind=event.record_kind(),
        actor=str(event.actor),
        occurred_at=event.occurred_at,
        payload=event.payload(),
    )
