"""A journey as an HL7 FHIR R4 Bundle, built from its stored events (pure: no I/O, no clock).

The event log is the system of record, so the bundle is a function of the log
alone (plus `as_of`, for what is overdue): the same log always gives the same
bundle, ids included (uuid5 of journey and sequence number). The domain's own
fold and plan give stage periods and visit dates, so FHIR and the manager page
agree. A kind this module does not know (a milestone added later) still
becomes a Task: an export must never fail on new history.

Models are `fhir.resources.R4B` (wire-compatible with R4); every resource is
validated as it is built.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.task import Task
from pydantic import ValidationError

from domain import events as ev
from domain.milestones import AdverseEventReported, FollowUpRecorded, MonitoringReported
from domain.plan import JourneyPlan, StagePlan, plan
from domain.stages import Outcome, Stage
from domain.state import TELECONSULT_SLOT, JourneyState, evolve, initial_state
from domain.surveillance import SurveillanceCheckRecorded
from interop import fhir_codes as fc
from interop import fhir_surveillance

# Stored kinds that are bookkeeping, not something someone reported: they shape the
# CarePlan and Appointments instead of becoming Tasks. Anything else is a Task.
NOT_TASKS = frozenset(
    {
        "journey_started",
        "stage_entered",
        "reminder_sent",
        "alert_raised",
        "alert_acknowledged",
        "booking_made",
        "booking_cancelled",
        "journey_ended",
        "personal_data_erased",
        "travel_released",
        "surveillance_started",
        "surveillance_check_missed",
        "surveillance_ended",
        # Second-edition bookkeeping: the product's policy adopted, a follow-up visit missed.
        "policy_resolved",
        "follow_up_missed",
        # Handled below: a Task from the check itself rather than its stored envelope.
        "surveillance_check_recorded",
        # The centre reservation is bookkeeping (the capacity view shows it), not a care step.
        "reservation_updated",
        "reservation_released",
    }
)
# The stage a booking is used by: before it, the booking is still ahead of the patient.
BOOKING_STAGE = {TELECONSULT_SLOT: Stage.TELECONSULT}
DEFAULT_BOOKING_STAGE = Stage.TRAVEL
ACTIVITY_STATUS = {"done": "completed", "current": "in-progress", "upcoming": "not-started", "not_reached": "cancelled"}


class NotAJourney(ValueError):
    """The records do not start with journey_started: nothing to export."""


@dataclass(frozen=True)
class Entry:
    record: ev.EventRecord
    event: ev.Event | None  # None: a kind (or shape) this version cannot read


def parse(record: ev.EventRecord) -> Entry:
    try:
        return Entry(record, record.to_event())
    except (ValidationError, ValueError, KeyError, TypeError):
        return Entry(record, None)


def fold(entries: Sequence[Entry]) -> JourneyState:
    first = entries[0].event if entries else None
    if not isinstance(first, ev.JourneyStarted):
        raise NotAJourney("a journey's log starts with journey_started")
    state = initial_state(first)
    for entry in entries[1:]:
        if entry.event is not None:
            state = evolve(state, entry.event)
    return state


def journey_bundle(records: Sequence[ev.EventRecord], as_of: datetime) -> Bundle:
    entries = [parse(r) for r in records]
    state = fold(entries)
    return _Builder(state, plan(state, as_of), as_of).build(entries)


def _key(journey_id: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{fc.HUB}:{journey_id}:{name}"))


class _Builder:
    def __init__(self, state: JourneyState, journey_plan: JourneyPlan, as_of: datetime) -> None:
        self.state, self.plan, self.as_of = state, journey_plan, as_of
        self.resources: list[tuple[str, Resource]] = []
        self.patient = {"type": "Patient", "identifier": fc.ident(fc.JOURNEY_ID, state.journey_id)}
        self.centre = {"type": "Organization", "identifier": fc.ident(fc.CENTRE, state.centre_id)}
        self.care_plan_url = f"urn:uuid:{_key(state.journey_id, 'careplan')}"

    def add(self, name: str, cls: type[Resource], body: dict[str, Any]) -> None:
        key = _key(self.state.journey_id, name)
        self.resources.append((key, cls.model_validate({"id": key, **body})))

    def build(self, entries: Sequence[Entry]) -> Bundle:
        self.care_plan()
        if self.state.surveillance is not None:
            fhir_surveillance.care_plan(self, self.state.surveillance)
        for entry in entries:
            self.entry(entry)
        self.bookings(entries)
        self.visits(entries)
        return Bundle.model_validate(
            {
                "type": "collection",
                "identifier": fc.ident(fc.JOURNEY_ID, self.state.journey_id),
                "timestamp": self.as_of.isoformat(),
                "entry": [{"fullUrl": f"urn:uuid:{key}", "resource": r} for key, r in self.resources],
            }
        )

    # -- the plan -------------------------------------------------------------

    def care_plan(self) -> None:
        s = self.state
        status = "active" if not s.ended else "completed" if s.outcome is Outcome.COMPLETED else "revoked"
        body: dict[str, Any] = {
            "identifier": [fc.ident(fc.JOURNEY_ID, s.journey_id)],
            "status": status,
            "intent": "plan",
            "title": "CAR-T treatment journey",
            "subject": self.patient,
            "author": self.centre,
            "period": _period(s.started_at, self.plan.ended_at),
            "activity": [{"detail": self.activity(row)} for row in self.plan.stages],
        }
        if s.outcome is not None:
            body["note"] = [{"text": f"outcome: {s.outcome}; {s.end_reason or ''}".rstrip("; ")}]
        self.add("careplan", CarePlan, body)

    def activity(self, row: StagePlan) -> dict[str, Any]:
        status = ACTIVITY_STATUS[row.status]
        if row.status == "done" and self._ended_in(row.stage):
            status = "stopped"
        return {
            "kind": "Task",
            "code": fc.concept(fc.STAGE, row.stage.value),
            "status": status,
            "scheduledPeriod": _period(*_span(row)),
        }

    def _ended_in(self, stage: Stage) -> bool:
        s = self.state
        last = [v.stage for v in s.stages if v.stage is not Stage.ENDED]
        return s.ended and s.outcome is not Outcome.COMPLETED and bool(last) and last[-1] is stage

    # -- one stored event -----------------------------------------------------

    def entry(self, entry: Entry) -> None:
        record, event = entry.record, entry.event
        if record.kind not in NOT_TASKS:
            self.task(record)
        if isinstance(event, SurveillanceCheckRecorded):
            fhir_surveillance.check(self, record, event.check)
        if not isinstance(event, ev.MilestoneAccepted):
            return
        m = event.milestone
        if isinstance(m, MonitoringReported):
            for name, grade in (("crs", m.crs_grade), ("icans", m.icans_grade)):
                code, display = fc.TOXICITY_GRADE[name]
                self.observation(
                    record, name, fc.concept(fc.OBSERVATION, code, display), m.occurred_at, {"valueInteger": grade}
                )
        elif isinstance(m, FollowUpRecorded):
            system, code, display = fc.DISEASE_STATUS
            value, value_display = fc.RESPONSE_VALUE[m.response]
            self.observation(
                record,
                "response",
                fc.concept(system, code, display),
                m.occurred_at,
                {"valueCodeableConcept": fc.concept(fc.SNOMED, value, value_display, m.response)},
            )
        elif isinstance(m, AdverseEventReported):
            self.adverse_event(record, m)

    def task(self, record: ev.EventRecord, payload: dict[str, Any] | None = None) -> None:
        payload = record.payload if payload is None else payload
        happened = payload.get("occurred_at") if isinstance(payload.get("occurred_at"), str) else None
        body: dict[str, Any] = {
            "status": "completed",
            "intent": "order",
            "code": fc.concept(fc.MILESTONE_KIND, record.kind),
            "basedOn": [{"reference": self.care_plan_url}],
            "for": self.patient,
            "owner": self.centre,
            "requester": {"identifier": fc.ident(fc.ACTOR, record.actor), "display": record.actor},
            "authoredOn": record.occurred_at.isoformat(),
            "executionPeriod": {"end": happened or record.occurred_at.isoformat()},
            "input": _inputs(payload),
        }
        if isinstance(payload.get("milestone_id"), str):
            body["identifier"] = [fc.ident(fc.MILESTONE_ID, payload["milestone_id"])]
        self.add(f"task:{record.seq}", Task, {k: v for k, v in body.items() if v})

    def observation(
        self, record: ev.EventRecord, name: str, code: dict[str, Any], happened: datetime, value: dict[str, Any]
    ) -> None:
        self.add(
            f"observation:{record.seq}:{name}",
            Observation,
            {
                "status": "final",
                "category": [fc.concept(fc.OBSERVATION_CATEGORY, "survey", "Survey")],
                "code": code,
                "subject": self.patient,
                "performer": [self.centre],
                "effectiveDateTime": happened.isoformat(),
                "issued": record.occurred_at.isoformat(),
                **value,
            },
        )

    def adverse_event(self, record: ev.EventRecord, m: AdverseEventReported) -> None:
        body: dict[str, Any] = {
            "identifier": fc.ident(fc.MILESTONE_ID, m.milestone_id),
            "actuality": "actual",
            "subject": self.patient,
            "event": {"text": m.term},
            "date": m.occurred_at.isoformat(),
            "recordedDate": record.occurred_at.isoformat(),
            "severity": fc.ae_severity(m.grade),
            "seriousness": fc.ae_seriousness(m.grade),
            "recorder": self.centre,
        }
        if m.grade == 5:
            body["outcome"] = fc.concept(fc.AE_OUTCOME, "fatal", "Fatal")
        self.add(f"adverseevent:{record.seq}", AdverseEvent, body)

    # -- appointments -----------------------------------------------------------

    def bookings(self, entries: Sequence[Entry]) -> None:
        cancelled = {e.event.reference for e in entries if isinstance(e.event, ev.BookingCancelled)}
        rows = {row.stage: row for row in self.plan.stages}
        for e in entries:
            if not isinstance(e.event, ev.BookingMade):
                continue
            booking, row = e.event, rows[BOOKING_STAGE.get(e.event.item, DEFAULT_BOOKING_STAGE)]
            # Used once its stage is over (teleconsult held, patient admitted); a stage cut
            # short by the ending did not use it, and compensation records its cancellation.
            used = bool(row.actual) and row.actual[-1].end is not None and not self._ended_in(row.stage)
            status = "cancelled" if booking.reference in cancelled else "fulfilled" if used else "booked"
            start, end = _span(row)
            self.appointment(
                f"booking:{booking.reference}",
                fc.ident(fc.BOOKING, booking.reference),
                status,
                f"{booking.item} for {row.stage}",
                start,
                end or max(start, self.as_of),
            )

    def visits(self, entries: Sequence[Entry]) -> None:
        s = self.state
        if s.infused_at is None:
            return  # follow-up visits are scheduled from the infusion
        seen = {
            e.event.milestone.visit_day: e.event.milestone.occurred_at
            for e in entries
            if isinstance(e.event, ev.MilestoneAccepted) and isinstance(e.event.milestone, FollowUpRecorded)
        }
        cutoff = self.plan.ended_at or self.as_of
        grace = s.policy.days(s.policy.follow_up_grace_days)
        for visit in self.plan.visits:
            start, end = visit.due_at, visit.due_at + s.policy.days(1)
            if visit.day in seen:
                status, start = "fulfilled", seen[visit.day]
                end = max(end, start)
            elif visit.due_at + grace < cutoff:
                status = "noshow"
            else:
                status = "cancelled" if s.ended else "booked"
            self.appointment(
                f"visit:{visit.day}",
                fc.ident(fc.VISIT, f"{s.journey_id}:d{visit.day}"),
                status,
                f"follow-up visit, day {visit.day} after infusion",
                start,
                end,
            )

    def appointment(
        self, name: str, identifier: dict[str, Any], status: str, description: str, start: datetime, end: datetime
    ) -> None:
        # FHIR requires start and end on a booked appointment (app-3), and end >= start.
        self.add(
            name,
            Appointment,
            {
                "identifier": [identifier],
                "status": status,
                "description": description,
                "start": start.isoformat(),
                "end": max(start, end).isoformat(),
                "supportingInformation": [{"reference": self.care_plan_url}],
                "participant": [
                    {"actor": self.patient, "status": "accepted"},
                    {"actor": self.centre, "status": "accepted"},
                ],
            },
        )


def _span(row: StagePlan) -> tuple[datetime, datetime | None]:
    """What happened if the stage was reached, else what is forecast or planned."""
    if row.actual:
        return row.actual[0].start, row.actual[-1].end
    return row.forecast_start or row.planned_start, row.forecast_end or row.planned_end


def _period(start: datetime, end: datetime | None) -> dict[str, str]:
    out = {"start": start.isoformat()}
    if end is not None:
        out["end"] = end.isoformat()
    return out


def _inputs(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Scalar fields of the report, so a Task of a kind we do not model still says what was sent."""
    out: list[dict[str, Any]] = []
    for name, value in payload.items():
        if name in ("milestone_id", "occurred_at", "patient_ref") or value is None:
            continue
        match value:
            case bool():
                out.append({"type": {"text": name}, "valueBoolean": value})
            case int():
                out.append({"type": {"text": name}, "valueInteger": value})
            case str() | float():
                out.append({"type": {"text": name}, "valueString": str(value)})
    return out
