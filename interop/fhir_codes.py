"""The code systems a journey's FHIR bundle speaks, in one table.

Standard terminologies are used only where a code is known to exist and mean
what we mean (mCODE's cancer disease status for follow-up responses); the rest
are the hub's own code systems, named by URN so nobody mistakes them for LOINC
or SNOMED CT. The README lists which is which.
"""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"

# The hub's own systems. The patient appears only as the opaque journey id.
HUB = "urn:cart-journeys"
JOURNEY_ID = f"{HUB}:journey"
MILESTONE_ID = f"{HUB}:milestone-id"
MILESTONE_KIND = f"{HUB}:milestone"
STAGE = f"{HUB}:stage"
BOOKING = f"{HUB}:booking"
VISIT = f"{HUB}:follow-up-visit"
CENTRE = f"{HUB}:centre"
ACTOR = f"{HUB}:actor"
OBSERVATION = f"{HUB}:observation"
OUTCOME = f"{HUB}:outcome"
SURVEILLANCE = f"{HUB}:surveillance"

# ASTCT consensus grades have no LOINC or SNOMED CT code for "the grade" that
# we could confirm, so they are hub codes; the value is the grade (0-4).
TOXICITY_GRADE: dict[str, tuple[str, str]] = {
    "crs": ("crs-grade-astct", "Cytokine release syndrome grade (ASTCT consensus)"),
    "icans": ("icans-grade-astct", "ICANS grade (ASTCT consensus)"),
}

# mCODE CancerDiseaseStatus: LOINC 97509-4 with SNOMED CT values.
DISEASE_STATUS = (LOINC, "97509-4", "Cancer disease progression")
RESPONSE_VALUE: dict[str, tuple[str, str]] = {
    "CR": ("550991000124107", "Malignant neoplasm in full remission"),
    "PR": ("551001000124108", "Malignant neoplasm in partial remission"),
    "SD": ("359746009", "Patient's condition stable"),
    "PD": ("271299001", "Patient's condition worsened"),
}


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], "text": text or display or code}


def ident(system: str, value: str) -> dict[str, Any]:
    return {"system": system, "value": value}


def ae_severity(grade: int) -> dict[str, Any]:
    """CTCAE grade to FHIR's three-level severity (grades 3-5 are all 'severe')."""
    code = {1: "mild", 2: "moderate"}.get(grade, "severe")
    return concept(AE_SEVERITY, code, code.capitalize(), f"CTCAE grade {grade}")


def ae_seriousness(grade: int) -> dict[str, Any]:
    serious = grade >= 3
    return concept(AE_SERIOUSNESS, "serious" if serious else "non-serious", "Serious" if serious else "Non-serious")
