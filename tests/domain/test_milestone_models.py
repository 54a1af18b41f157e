"""Milestone bodies: one model per kind; pydantic refuses anything malformed before a rule runs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.decision import HANDLERS
from domain.milestones import MILESTONE_CLASSES, MILESTONE_KINDS, parse_milestone
from tests.helpers.pathway import T0

VALID: dict[str, dict[str, Any]] = {
    "records_received": {"documents": ["pathology"]},
    "teleconsult_completed": {"outcome": "proceed"},
    "eligibility_decided": {"eligible": True, "product": "axi-cel", "estimate_usd": 90_000},
    "estimate_accepted": {},
    "patient_admitted": {"interpreter": True, "accommodation": "hotel"},
    "apheresis_completed": {"coi": "COI-1"},
    "product_released": {"coi": "COI-1", "lot": "L-1"},
    "manufacturing_failed": {"reason": "low yield", "next": "stop"},
    "infusion_completed": {"coi": "COI-1"},
    "monitoring_reported": {"crs_grade": 0, "icans_grade": 4},
    "discharged": {"override_reason": "stable"},
    "follow_up_recorded": {"visit_day": 30, "response": "CR"},
    "adverse_event_reported": {"term": "rash", "grade": 1},
    "death_reported": {"cause": "sepsis"},
    "custody_transferred": {
        "coi": "COI-1",
        "from_party": "collection site",
        "to_party": "courier",
        "condition": "intact",
        "temperature_c": 4.5,
        "seal_id": "S-1",
    },
    "quality_release": {"coi": "COI-1", "approved_by": "qp-li", "decision": "release"},
    "charge_posted": {"item": "apheresis", "amount": "86400.00", "currency": "CNY"},
    "payment_received": {"amount": "29400.00", "currency": "USD", "reference": "WIRE-1"},
    "deposit_overridden": {"reason": "charity guarantee letter"},
}


def body(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "milestone_id": "m-1",
        "occurred_at": T0.isoformat(),
        **VALID[kind],
        **fields,
    }


def test_every_kind_has_a_model_and_every_model_a_kind() -> None:
    assert set(VALID) == set(MILESTONE_KINDS)
    for kind in MILESTONE_KINDS:
        assert parse_milestone(body(kind)).kind == kind


def test_every_kind_says_who_reports_it_where_and_has_one_handler() -> None:
    import domain.rules  # noqa: F401  (registers the handlers)

    for cls in MILESTONE_CLASSES:
        assert cls.reporters and cls.reporters <= {"ops", "centre"}, cls
        assert cls.stages, cls
        assert cls in HANDLERS, cls
    ops_only = {k for k, c in zip(MILESTONE_KINDS, MILESTONE_CLASSES, strict=True) if c.reporters == {"ops"}}
    assert ops_only == {"estimate_accepted", "payment_received", "deposit_overridden"}


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("monitoring_reported", "crs_grade", 5),
        ("monitoring_reported", "crs_grade", -1),
        ("monitoring_reported", "icans_grade", 7),
        ("adverse_event_reported", "grade", 0),
        ("adverse_event_reported", "grade", 6),
        ("teleconsult_completed", "outcome", "maybe"),
        ("manufacturing_failed", "next", "retry"),
        ("follow_up_recorded", "response", "cured"),
        ("follow_up_recorded", "visit_day", 0),
        ("eligibility_decided", "estimate_usd", -5),
        ("apheresis_completed", "coi", "x"),
        ("apheresis_completed", "coi", "COI 1; drop table"),
        ("discharged", "override_reason", ""),
        ("death_reported", "cause", "x" * 501),
    ],
)
def test_an_out_of_range_or_unknown_value_is_refused(kind, field, value) -> None:
    with pytest.raises(ValidationError):
        parse_milestone(body(kind, **{field: value}))


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_milestone({"kind": "patient_cured", "milestone_id": "m", "occurred_at": T0.isoformat()})


def test_an_extra_field_is_refused_so_a_typo_is_not_silently_dropped() -> None:
    with pytest.raises(ValidationError, match="crs_grad"):
        parse_milestone(body("monitoring_reported", crs_grad=3))


@pytest.mark.parametrize("missing", ["milestone_id", "occurred_at", "kind"])
def test_the_envelope_fields_are_required(missing) -> None:
    data = body("estimate_accepted")
    del data[missing]
    with pytest.raises(ValidationError):
        parse_milestone(data)


def test_a_time_without_an_offset_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_milestone(body("estimate_accepted", occurred_at="2026-01-05T09:00:00"))


@pytest.mark.parametrize("mid", ["", "has space", "x" * 129, "ünïcode"])
def test_a_malformed_milestone_id_is_refused(mid) -> None:
    with pytest.raises(ValidationError):
        parse_milestone(body("estimate_accepted", milestone_id=mid))


def test_a_required_field_missing_is_refused() -> None:
    data = body("infusion_completed")
    del data["coi"]
    with pytest.raises(ValidationError):
        parse_milestone(data)


def test_the_digest_is_stable_and_changes_with_the_body() -> None:
    a = parse_milestone(body("monitoring_reported"))
    assert a.digest() == parse_milestone(body("monitoring_reported")).digest()
    assert a.digest() != parse_milestone(body("monitoring_reported", crs_grade=1)).digest()


def test_milestones_are_immutable() -> None:
    m = parse_milestone(body("death_reported"))
    with pytest.raises(ValidationError):
        m.cause = "other"  # type: ignore[misc]


@pytest.mark.parametrize("value", [0, 1_700_000_000, 1.5])
def test_occurred_at_as_a_number_is_refused_not_read_as_1970(value) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        parse_milestone(body("records_received", occurred_at=value))
