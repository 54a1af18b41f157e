"""One decision handler per milestone kind: its checks, then what follows from the accepted fact.

`rules.decide` has already authorised the actor, dropped resubmissions and
checked the stage (`Milestone.stages`); a handler refuses what its own rules
forbid and writes the consequences into the `Decision`.
"""

from __future__ import annotations

from domain import clinical
from domain import events as ev
from domain.custody import check_infusable
from domain.custody_milestones import current_custody
from domain.decision import Decision, handles
from domain.errors import (
    AlreadyDecided,
    BedsideCheckIncomplete,
    CoiMismatch,
    LotMismatch,
    MinimumStayNotReached,
    MonitoringStale,
    OutOfSequence,
    ReapheresisLimit,
    SignOffRequired,
    ToxicityActive,
    UnknownProduct,
)
from domain.milestones import (
    AdverseEventReported,
    ApheresisCompleted,
    DeathReported,
    Discharged,
    EligibilityDecided,
    EstimateAccepted,
    FollowUpRecorded,
    InfusionCompleted,
    ManufacturingFailed,
    MonitoringReported,
    PatientAdmitted,
    ProductReleased,
    RecordsReceived,
    TeleconsultCompleted,
)
from domain.stages import Outcome, Severity, Stage


def lot_must_match(d: Decision, m: InfusionCompleted) -> None:
    """The bedside check: the bag's lot is the released lot, read by two different staff."""
    if m.lot is None or len(set(m.verified_by)) < 2:
        raise BedsideCheckIncomplete(
            "infusion_completed needs the bag's lot and two different staff ids in verified_by (the bedside check)"
        )
    if d.state.lot is not None and m.lot != d.state.lot:
        alert = d.alert(
            Severity.CRITICAL,
            "lot_mismatch",
            f"bag lot {m.lot!r} is not the released lot {d.state.lot!r}: possible wrong product. Stop and verify.",
            clinical=True,
        )
        raise LotMismatch(
            f"lot mismatch: {m.lot!r} is not the released lot {d.state.lot!r}; infusion_completed refused "
            f"and a critical safety alert ({alert.alert_id}) raised",
            events=tuple(d.events),
        )


def coi_must_match(d: Decision, kind: str, coi: str) -> None:
    """A product that does not carry the patient's COI may be someone else's: refuse and page."""
    expected = d.state.coi
    if expected is not None and coi != expected:
        alert = d.alert(
            Severity.CRITICAL,
            "coi_mismatch",
            f"{kind} reported chain-of-identity {coi!r} but the patient's COI is "
            f"{expected!r}: possible wrong-patient product. Stop and verify.",
            clinical=d.edition >= 2,
        )
        raise CoiMismatch(
            f"chain-of-identity mismatch: {coi!r} does not match the patient's COI "
            f"{expected!r}; {kind} refused and a critical safety alert ({alert.alert_id}) raised",
            events=tuple(d.events),
        )


def _stay_day(d: Decision, m: Discharged) -> float | None:
    """The day of the stay a discharge falls on: calendar day (second edition) or elapsed days since the report."""
    return d.clinical_day(m.occurred_at) if d.edition >= 2 else d.days_since_infusion()


def _early(d: Decision, m: Discharged) -> bool:
    day = _stay_day(d, m)
    return day is not None and day < d.policy.min_stay_days


@handles(RecordsReceived)
def _records(d: Decision, m: RecordsReceived) -> None:
    d.enter(Stage.TELECONSULT)


@handles(TeleconsultCompleted)
def _teleconsult(d: Decision, m: TeleconsultCompleted) -> None:
    if m.outcome == "proceed":
        d.enter(Stage.SCREENING)
    elif m.outcome == "more_records":
        d.enter(Stage.RECORDS)
    else:
        d.end(Outcome.INELIGIBLE, "not a candidate at teleconsult")


@handles(EligibilityDecided)
def _eligibility(d: Decision, m: EligibilityDecided) -> None:
    if d.state.eligible is not None:
        raise AlreadyDecided("eligibility has already been decided for this journey")
    if d.edition >= 2 and m.product is not None and d.catalogue is not None and m.product != d.state.product:
        # A product first named here brings its own policy (manufacturing time, stay...).
        if m.product not in d.catalogue:
            raise UnknownProduct(f"product {m.product!r} is not in the catalogue; see GET /v1/products")
        d.emit(ev.PolicyResolved(product=m.product, policy=d.catalogue[m.product], occurred_at=d.now, actor=d.actor))
    if not m.eligible:
        d.end(Outcome.INELIGIBLE, "; ".join(m.reasons) or "not eligible at screening")


@handles(EstimateAccepted)
def _estimate(d: Decision, m: EstimateAccepted) -> None:
    if d.state.eligible is not True:
        raise OutOfSequence("the estimate can be accepted only after the centre has decided the patient is eligible")
    d.enter(Stage.TRAVEL)


@handles(PatientAdmitted)
def _admitted(d: Decision, m: PatientAdmitted) -> None:
    d.enter(Stage.APHERESIS)


@handles(ApheresisCompleted)
def _apheresis(d: Decision, m: ApheresisCompleted) -> None:
    coi_must_match(d, m.kind, m.coi)
    d.enter(Stage.MANUFACTURING)


@handles(ProductReleased)
def _released(d: Decision, m: ProductReleased) -> None:
    coi_must_match(d, m.kind, m.coi)
    if d.state.out_of_spec and d.edition >= 2:
        if m.out_of_spec_approved_by is None:
            raise SignOffRequired(
                "the product failed specification: product_released needs out_of_spec_approved_by, "
                "the physician who signed off its use"
            )
        d.alert(
            Severity.WARNING,
            "out_of_spec_release",
            f"lot {m.lot} released out of specification, signed off by {m.out_of_spec_approved_by}",
        )
    elif d.state.out_of_spec:
        d.alert(
            Severity.WARNING,
            "out_of_spec_release",
            f"lot {m.lot} released out of specification; physician sign-off required before infusion",
        )
    d.enter(Stage.INFUSION)


@handles(ManufacturingFailed)
def _manufacturing_failed(d: Decision, m: ManufacturingFailed) -> None:
    s, policy = d.state, d.policy
    if m.next == "reapheresis":
        if s.reapheresis_count >= policy.max_reapheresis:
            raise ReapheresisLimit(
                f"re-apheresis already used ({s.reapheresis_count} of {policy.max_reapheresis}); "
                "report next=out_of_spec or next=stop"
            )
        d.alert(Severity.HIGH, "manufacturing_failed", f"manufacturing failed ({m.reason}); re-apheresis scheduled")
        d.enter(Stage.APHERESIS)
    elif m.next == "out_of_spec":
        d.alert(
            Severity.HIGH,
            "manufacturing_out_of_spec",
            f"product out of specification ({m.reason}); awaiting out-of-spec release",
        )
    else:
        d.end(Outcome.MANUFACTURING_FAILED, m.reason)


@handles(InfusionCompleted)
def _infused(d: Decision, m: InfusionCompleted) -> None:
    coi_must_match(d, m.kind, m.coi)
    if d.edition >= 2:
        lot_must_match(d, m)
    check_infusable(current_custody(d.state))
    d.enter(Stage.STAY)


@handles(MonitoringReported)
def _monitoring(d: Decision, m: MonitoringReported) -> None:
    if d.edition >= 2:
        clinical.toxicity_alerts(d, m.crs_grade, m.icans_grade)
        return
    for name, grade in (("CRS", m.crs_grade), ("ICANS", m.icans_grade)):
        if grade >= d.policy.escalation_grade:
            d.alert(
                Severity.HIGH,
                f"{name.lower()}_grade_{grade}",
                f"{name} grade {grade} reported; escalate to the treating physician and ops",
            )


@handles(Discharged)
def _discharged(d: Decision, m: Discharged) -> None:
    if d.edition >= 2:
        try:
            _toxicity_must_allow_discharge(d, m)
        except (MonitoringStale, ToxicityActive) as refusal:
            if m.override_reason is None:
                raise
            d.alert(
                Severity.WARNING,
                "discharge_override",
                f"discharged against the rule ({refusal.reason}): {m.override_reason}",
            )
    if _early(d, m):
        if m.override_reason is None:
            day = _stay_day(d, m) or 0.0
            raise MinimumStayNotReached(
                f"discharge on day {int(day)} after infusion is before the minimum stay of "
                f"{d.policy.min_stay_days:g} days; give override_reason to discharge early"
            )
        d.alert(Severity.WARNING, "early_discharge", f"discharged before the minimum stay: {m.override_reason}")
    d.enter(Stage.FOLLOW_UP)


def _toxicity_must_allow_discharge(d: Decision, m: Discharged) -> None:
    s, policy = d.state, d.policy
    if s.last_monitoring_at is None or m.occurred_at - s.last_monitoring_at > policy.days(policy.monitoring_fresh_days):
        raise MonitoringStale(
            f"no monitoring report in the {policy.monitoring_fresh_days:g} day(s) before discharge; report CRS and "
            "ICANS grades first, or give override_reason"
        )
    worst = max(s.latest_crs_grade or 0, s.latest_icans_grade or 0)
    if worst >= policy.discharge_block_grade:
        raise ToxicityActive(
            f"the latest report shows CRS {s.latest_crs_grade} / ICANS {s.latest_icans_grade}; discharge needs both "
            f"below grade {policy.discharge_block_grade}, or override_reason"
        )


@handles(FollowUpRecorded)
def _follow_up(d: Decision, m: FollowUpRecorded) -> None:
    if d.edition >= 2:
        day = clinical.visit_for(d, m.visit_day, d.clinical_day(m.occurred_at))
        if m.response == "PD":
            d.end(Outcome.RELAPSED, f"progressive disease at day {m.visit_day}")
        elif day == d.policy.follow_up_visit_days[-1]:
            d.end(Outcome.COMPLETED, "follow-up complete; long-term surveillance handed off to the centre")
        return
    expected = d.state.next_visit_day()
    if m.visit_day != expected:
        raise OutOfSequence(f"the next expected follow-up visit is day {expected}, not day {m.visit_day}")
    if m.response == "PD":
        d.end(Outcome.RELAPSED, f"progressive disease at day {m.visit_day}")
    elif expected == d.policy.follow_up_visit_days[-1]:
        d.end(Outcome.COMPLETED, "follow-up complete; long-term surveillance handed off to the centre")


@handles(AdverseEventReported)
def _adverse_event(d: Decision, m: AdverseEventReported) -> None:
    if d.edition >= 2:
        if m.grade == 5:  # CTCAE grade 5 is death
            clinical.death(d, f"grade 5 adverse event: {m.term}")
        elif m.grade >= d.policy.escalation_grade:
            d.alert(
                clinical.toxicity_severity(m.grade),
                "adverse_event",
                f"grade {m.grade} adverse event: {m.term}",
                clinical=True,
            )
        return
    if m.grade >= d.policy.escalation_grade:
        d.alert(Severity.HIGH, "adverse_event", f"grade {m.grade} adverse event: {m.term}")


@handles(DeathReported)
def _death(d: Decision, m: DeathReported) -> None:
    if d.edition >= 2:
        clinical.death(d, m.cause)
        return
    d.end(Outcome.DECEASED, m.cause)
