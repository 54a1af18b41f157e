"""Pathway timing policy. Every clinical or commercial duration is a default here,
overridable per product and per centre from a data file, never a literal in the workflow.

Durations are in days; `day_seconds` lets the demo compress a day into seconds
without touching a single rule.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A duration in (policy) days: never negative.
Days = Annotated[float, Field(ge=0)]


class PathwayPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    day_seconds: float = Field(86400.0, gt=0)

    records_remind_days: Days = 7
    records_escalate_days: Days = 14
    records_lapse_days: Days = 30
    teleconsult_escalate_days: Days = 14
    estimate_lapse_days: Days = 21
    travel_escalate_days: Days = 30
    apheresis_escalate_days: Days = 14
    manufacturing_expected_days: Days = 21
    manufacturing_warn_days: Days = 28
    manufacturing_escalate_days: Days = 35
    # Re-apheresis beyond two collections is not a plan a physician signs off.
    max_reapheresis: int = Field(1, ge=0, le=2)
    infusion_escalate_days: Days = 7
    min_stay_days: Days = 14
    max_stay_days: Days = 28
    # At least one visit: with none, a discharged journey could never end.
    follow_up_visit_days: tuple[Annotated[int, Field(ge=1)], ...] = Field((30, 90, 180, 365), min_length=1)
    follow_up_remind_before_days: Days = 7
    follow_up_grace_days: Days = 14
    # Long-term surveillance after a completed journey: yearly checks up to this many years
    # after infusion (gene-modified cell therapies: up to 15); 0 hands over to nobody.
    surveillance_years: int = Field(15, ge=0, le=30)
    # Grade at or above which CRS / ICANS escalate (ASTCT consensus grading); at most 3,
    # or a grade 3 toxicity would pass silently.
    escalation_grade: int = Field(3, ge=1, le=3)
    # Second edition (DESIGN §1a).
    # How far back a milestone's occurred_at may lie when it is reported.
    max_report_delay_days: Days = 7
    # Screening with no eligibility decision escalates after this.
    screening_escalate_days: Days = 14
    # A follow-up visit counts for a scheduled day when within this many days of it; the
    # visit is missed once the window has passed.
    follow_up_window_days: Days = 14
    # Discharge is refused (without override_reason) while CRS or ICANS is at or above this
    # grade in the latest report, or when the latest report is older than monitoring_fresh_days.
    discharge_block_grade: int = Field(2, ge=1, le=4)
    monitoring_fresh_days: Days = 1
    # Typical stage durations: only the manager's planned-vs-actual timeline reads these
    # (manufacturing uses manufacturing_expected_days, the stay min_stay_days); deadlines above decide.
    records_expected_days: Days = 7
    teleconsult_expected_days: Days = 7
    screening_expected_days: Days = 10
    travel_expected_days: Days = 21
    apheresis_expected_days: Days = 3
    infusion_expected_days: Days = 5
    # Money (domain/ledger.py). The policy travels in journey_started, so the rate an
    # estimate was converted at is recorded with the journey.
    usd_rmb_rate: Decimal = Field(Decimal("7.20"), gt=0)
    # Share of the estimate due as a deposit before admission.
    deposit_fraction: Decimal = Field(Decimal("0.30"), ge=0, le=1)
    # Share of paid-but-unspent money refunded on withdrawal.
    withdrawal_refund_fraction: Decimal = Field(Decimal("1"), ge=0, le=1)
    # While the deposit is unpaid in travel: remind the patient, then tell ops (domain/deposit.py).
    deposit_remind_days: float = Field(3, ge=0)
    deposit_escalate_days: float = Field(7, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> PathwayPolicy:
        checks = [
            (self.records_remind_days, self.records_escalate_days, self.records_lapse_days),
            (self.manufacturing_warn_days, self.manufacturing_escalate_days),
            (self.min_stay_days, self.max_stay_days),
        ]
        for chain in checks:
            if list(chain) != sorted(chain):
                raise ValueError(f"policy durations must be in increasing order: {chain}")
        if list(self.follow_up_visit_days) != sorted(set(self.follow_up_visit_days)):
            raise ValueError("follow_up_visit_days must be strictly increasing")
        return self

    def days(self, n: float) -> timedelta:
        return timedelta(seconds=n * self.day_seconds)

    def in_days(self, delta: timedelta) -> float:
        return delta.total_seconds() / self.day_seconds


class PolicyBook(BaseModel):
    """Defaults plus overrides; a centre override wins over a product override."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: dict[str, Any] = Field(default_factory=dict)
    products: dict[str, dict[str, Any]] = Field(default_factory=dict)
    centres: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def resolve(self, *, product: str | None, centre: str, overrides: dict[str, Any] | None = None) -> PathwayPolicy:
        merged: dict[str, Any] = {**self.defaults}
        if product:
            merged.update(self.products.get(product, {}))
        merged.update(self.centres.get(centre, {}))
        merged.update(overrides or {})
        return PathwayPolicy.model_validate(merged)
