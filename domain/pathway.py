"""One decision handler per milestone kind: its checks, then what follows from the accepted fact.

`rules.decide` has already authorised the actor, dropped resubmissions and
checked the stage (`Milestone.stages`); a handler refuses what its own rules
forbid and writes the consequences into the `Decision`.
"""

from __future__ import annotations

from domain.decision import Decision, handles
from domain.errors import AlreadyDecided, CoiMismatch, MinimumStayNotReached, OutOfSequence, ReapheresisLimit
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


def coi_must_match(d: Decision, kind: str, coi: str) -> None:
    """A product that does not carry the patient's COI may be someone else's: refuse and page."""
    expected = d.state.coi
    if expected is not None and coi != expected:
        alert = d.alert(
            Severity.CRITICAL, "coi_mismatch",
            f"{kind} reported chain-of-identity {coi!r} but the patient's COI is "
            f"{expected!r}: possible wrong-patient product. Stop and verify.",
        )
        raise CoiMismatch(
            f"chain-of-identity mismatch: {coi!r} does not match the patient's COI "
            f"{expected!r}; {kind} refused and a critical safety alert ({alert.alert_id}) raised",
            events=tuple(d.events),
        )


def _early(d: Decision) -> bool:
    day = d.days_since_infusion()
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
    if d.state.out_of_spec:
        d.alert(Severity.WARNING, "out_of_spec_release",
                f"lot {m.lot} released out of specification; physician sign-off required before infusion")
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
        d.alert(Severity.HIGH, "manufacturing_out_of_spec",
                f"product out of specification ({m.reason}); awaiting out-of-spec release")
    else:
        d.end(Outcome.MANUFACTURING_FAILED, m.reason)


@handles(InfusionCompleted)
def _infused(d: Decision, m: InfusionCompleted) -> None:
    coi_must_match(d, m.kind, m.coi)
    d.enter(Stage.STAY)


@handles(MonitoringReported)
def _monitoring(d: Decision, m: MonitoringReported) -> None:
    for name, grade in (("CRS", m.crs_grade), ("ICANS", m.icans_grade)):
        if grade >= d.policy.escalation_grade:
            d.alert(Severity.HIGH, f"{name.lower()}_grade_{grade}",
                    f"{name} grade {grade} reported; escalate to the treating physician and ops")


@handles(Discharged)
def _discharged(d: Decision, m: Discharged) -> None:
    if _early(d):
        if m.override_reason is None:
            day = d.days_since_infusion() or 0.0
            raise MinimumStayNotReached(
                f"discharge on day {int(day)} after infusion is before the minimum stay of "
                f"{d.policy.min_stay_days:g} days; give override_reason to discharge early"
            )
        d.alert(Severity.WARNING, "early_discharge", f"discharged before the minimum stay: {m.override_reason}")
    d.enter(Stage.FOLLOW_UP)


@handles(FollowUpRecorded)
def _follow_up(d: Decision, m: FollowUpRecorded) -> None:
    expected = d.state.next_visit_day()
    if m.visit_day != expected:
        raise OutOfSequence(f"the next expected follow-up visit is day {expected}, not day {m.visit_day}")
    if m.response == "PD":
        d.end(Outcome.RELAPSED, f"progressive disease at day {m.visit_day}")
    elif expected == d.policy.follow_up_visit_days[-1]:
        d.end(Outcome.COMPLETED, "follow-up complete; long-term surveillance handed off to the centre")


@handles(AdverseEventReported)
def _adverse_event(d: Decision, m: AdverseEventReported) -> None:
    if m.grade >= d.policy.escalation_grade:
        d.alert(Severity.HIGH, "adverse_event", f"grade {m.grade} adverse event: {m.term}")


@handles(DeathReported)
def _death(d: Decision, m: DeathReported) -> None:
    d.end(Outcome.DECEASED, m.cause)
