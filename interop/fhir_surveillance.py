"""Long-term surveillance in the journey's FHIR bundle: a CarePlan of yearly checks, and each
check as a Task with Observations (disease status, vital status, secondary malignancy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fhir.resources.R4B.careplan import CarePlan

from domain.surveillance import SurveillanceCheck, SurveillanceState
from interop import fhir_codes as fc

if TYPE_CHECKING:
    from domain.events import EventRecord
    from interop.fhir import _Builder

# mCODE disease status values where a status maps cleanly; "remission" may be partial or
# complete, so it travels as text only.
STATUS_VALUE: dict[str, tuple[str, str]] = {
    "stable": fc.RESPONSE_VALUE["SD"],
    "relapsed": fc.RESPONSE_VALUE["PD"],
    "progression": fc.RESPONSE_VALUE["PD"],
    "unknown": ("709137006", "Patient condition undetermined"),
}


def care_plan(b: _Builder, sv: SurveillanceState) -> None:
    status = "active" if not sv.ended else "completed" if sv.end_reason == "horizon_reached" else "revoked"
    pending = None if sv.ended else sv.next_year()
    activities = []
    for year in sv.years():
        due, p = sv.due(year), sv.policy
        if year in sv.recorded:
            state, reason = "completed", None
        elif year in sv.missed:
            state, reason = "cancelled", "missed: not reported within the window"
        elif sv.ended:
            state, reason = "cancelled", f"surveillance ended ({sv.end_reason})"
        else:
            state, reason = ("scheduled" if year == pending else "not-started"), None
        detail: dict[str, Any] = {
            "kind": "Task",
            "code": fc.concept(fc.SURVEILLANCE, f"year-{year}", f"Yearly check, year {year}"),
            "status": state,
            "scheduledPeriod": {
                "start": (due - p.days(p.remind_before_days)).isoformat(),
                "end": (due + p.days(p.window_days)).isoformat(),
            },
        }
        if reason:
            detail["statusReason"] = {"text": reason}
        activities.append({"detail": detail})
    period = {"start": sv.started_at.isoformat()}
    if sv.ended_at:
        period["end"] = sv.ended_at.isoformat()
    body: dict[str, Any] = {
        "identifier": [fc.ident(fc.SURVEILLANCE, b.state.journey_id)],
        "status": status,
        "intent": "plan",
        "title": "Long-term surveillance after CAR-T therapy",
        "subject": b.patient,
        "author": b.centre,
        "partOf": [{"reference": b.care_plan_url}],
        "period": period,
        "activity": activities,
    }
    if sv.end_reason:
        body["note"] = [{"text": f"ended: {sv.end_reason}"}]
    b.add("careplan:surveillance", CarePlan, body)


def check(b: _Builder, record: EventRecord, c: SurveillanceCheck) -> None:
    b.task(record, c.model_dump(mode="json", exclude={"kind"}))
    if c.disease_status is not None:
        system, code, display = fc.DISEASE_STATUS
        value: dict[str, Any] = {"text": c.disease_status}
        if c.disease_status in STATUS_VALUE:
            value = fc.concept(fc.SNOMED, *STATUS_VALUE[c.disease_status], c.disease_status)
        b.observation(
            record, "disease-status", fc.concept(system, code, display), c.occurred_at, {"valueCodeableConcept": value}
        )
    b.observation(
        record, "alive", fc.concept(fc.OBSERVATION, "alive", "Alive at check"), c.occurred_at, {"valueBoolean": c.alive}
    )
    b.observation(
        record,
        "secondary-malignancy",
        fc.concept(fc.OBSERVATION, "secondary-malignancy", "Secondary malignancy since last check"),
        c.occurred_at,
        {"valueBoolean": c.secondary_malignancy},
    )
