"""`decide`: whether a command is acceptable now, and which events it produces.

Every refusal raises from the JourneyRuleError family with a reason a person
can act on. Nothing here mutates state; `evolve` applies the returned events.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import events as ev
from domain.errors import (
    CoiMismatch,
    DuplicateMilestone,
    InvalidMilestone,
    JourneyEnded,
    MinimumStayNotReached,
    NotPermitted,
    WrongStage,
)
from domain.milestones import (
    CENTRE_ONLY,
    OPS_ONLY,
    AdverseEventReported,
    ApheresisCompleted,
    DeathReported,
    Discharged,
    EligibilityDecided,
    EstimateAccepted,
    FollowUpRecorded,
    InfusionCompleted,
    ManufacturingFailed,
    Milestone,
    MonitoringReported,
    PatientAdmitted,
    ProductReleased,
    RecordsReceived,
    TeleconsultCompleted,
)
from domain.policy import PathwayPolicy
from domain.stages import POST_APHERESIS, Outcome, Severity, Stage
from domain.state import JourneyState

# A centre's clock may run slightly ahead of ours; beyond this a report from the future is refused.
CLOCK_SKEW = timedelta(minutes=10)

EXPECTED_STAGE: dict[str, Stage] = {
    "records_received": Stage.RECORDS,
    "teleconsult_completed": Stage.TELECONSULT,
    "eligibility_decided": Stage.SCREENING,
    "estimate_accepted": Stage.SCREENING,
    "patient_admitted": Stage.TRAVEL,
    "apheresis_completed": Stage.APHERESIS,
    "product_released": Stage.MANUFACTURING,
    "manufacturing_failed": Stage.MANUFACTURING,
    "infusion_completed": Stage.INFUSION,
    "monitoring_reported": Stage.STAY,
    "discharged": Stage.STAY,
    "follow_up_recorded": Stage.FOLLOW_UP,
}


def start(
    *,
    journey_id: str,
    patient_ref: str,
    centre_id: str,
    product: str | None,
    policy: PathwayPolicy,
    actor: str,
    now: datetime,
) -> ev.JourneyStarted:
    return ev.JourneyStarted(
        journey_id=journey_id,
        patient_ref=patient_ref,
        centre_id=centre_id,
        product=product,
        policy=policy,
        occurred_at=now,
        actor=actor,
    )


def authorise(state: JourneyState, kind: str, actor: str) -> None:
    role, _, who = actor.partition(":")
    if role == "centre":
        if who != state.centre_id:
            raise NotPermitted(f"centre {who!r} does not treat this patient")
        if kind in OPS_ONLY:
            raise NotPermitted(f"{kind} is recorded by operations staff, not by a centre")
    elif role == "ops":
        if kind in CENTRE_ONLY:
            raise NotPermitted(f"{kind} is a clinical milestone; only the treating centre reports it")
    else:
        raise NotPermitted(f"actor {actor!r} may not report milestones")


def is_repeat(state: JourneyState, milestone: Milestone) -> bool:
    """True for a resubmission of an accepted milestone; refuses a reused id with another body."""
    digest = state.milestone_digests.get(milestone.milestone_id)
    if digest is None:
        return False
    if digest != milestone.digest():
        raise DuplicateMilestone(
            f"milestone_id {milestone.milestone_id!r} was already used for a different report; "
            "use a new milestone_id for a new report"
        )
    return True


def decide(state: JourneyState, milestone: Milestone, actor: str, now: datetime) -> list[ev.Event]:
    """Events for an accepted milestone, or a JourneyRuleError saying why not."""
    # Authorise first: a resubmission is answered with the journey's state, which
    # another centre must not be able to read by replaying a milestone it has seen.
    authorise(state, milestone.kind, actor)
    if is_repeat(state, milestone):
        return []
    if state.ended:
        raise JourneyEnded(f"the journey has ended ({state.outcome}); no further milestones are accepted")
    if milestone.occurred_at > now + CLOCK_SKEW:
        raise InvalidMilestone("occurred_at is in the future; report milestones after they happen")
    _check_stage(state, milestone)
    return _Decision(state, actor, now).milestone(milestone)


def _check_stage(state: JourneyState, m: Milestone) -> None:
    if isinstance(m, AdverseEventReported | DeathReported):
        if state.stage not in POST_APHERESIS:
            raise WrongStage(
                f"{m.kind} is accepted only after apheresis; the journey is in {state.stage}"
            )
        return
    expected = EXPECTED_STAGE[m.kind]
    if state.stage is not expected:
        raise WrongStage(f"{m.kind} belongs to stage {expected}; the journey is in {state.stage}")


def withdraw(state: JourneyState, reason: str, actor: str, now: datetime) -> list[ev.Event]:
    if state.ended:
        raise JourneyEnded(f"the journey has already ended ({state.outcome})")
    if not actor.startswith("ops:"):
        raise NotPermitted("only operations staff may withdraw a journey")
    if not reason.strip():
        raise InvalidMilestone("a withdrawal needs a reason")
    return [
        ev.JourneyWithdrawn(reason=reason, occurred_at=now, actor=actor),
        ev.JourneyEnded(outcome=Outcome.WITHDRAWN, reason=reason, occurred_at=now, actor=actor),
    ]


def acknowledge(state: JourneyState, alert_id: str, note: str, actor: str, now: datetime) -> list[ev.Event]:
    if not actor.startswith("ops:"):
        raise NotPermitted("only operations staff may acknowledge alerts")
    if alert_id not in {a.alert_id for a in state.open_alerts}:
        raise InvalidMilestone(f"no open alert {alert_id!r} on this journey")
    return [ev.AlertAcknowledged(alert_id=alert_id, note=note, occurred_at=now, actor=actor)]


class _Decision:
    """Builds the events of one accepted command, numbering alerts as it goes."""

    def __init__(self, state: JourneyState, actor: str, now: datetime) -> None:
        self.state, self.actor, self.now = state, actor, now
        self.events: list[ev.Event] = []

    def alert(self, severity: Severity, code: str, message: str) -> ev.AlertRaised:
        n = self.state.alert_count + sum(isinstance(e, ev.AlertRaised) for e in self.events) + 1
        alert = ev.AlertRaised(
            alert_id=f"A{n}", severity=severity, code=code, message=message,
            occurred_at=self.now, actor=self.actor,
        )
        self.events.append(alert)
        return alert

    def enter(self, stage: Stage) -> None:
        self.events.append(
            ev.StageEntered(stage=stage, previous=self.state.stage, occurred_at=self.now, actor=self.actor)
        )

    def end(self, outcome: Outcome, reason: str) -> None:
        self.events.append(ev.JourneyEnded(outcome=outcome, reason=reason, occurred_at=self.now, actor=self.actor))

    def early_discharge(self) -> bool:
        infused = self.state.infused_at
        policy = self.state.policy
        return infused is not None and policy.in_days(self.now - infused) < policy.min_stay_days

    def coi_must_match(self, kind: str, coi: str) -> None:
        if self.state.coi is not None and coi != self.state.coi:
            alert = self.alert(
                Severity.CRITICAL,
                "coi_mismatch",
                f"{kind} reported chain-of-identity {coi!r} but the patient's COI is "
                f"{self.state.coi!r}: possible wrong-patient product. Stop and verify.",
            )
            raise CoiMismatch(
                f"chain-of-identity mismatch: {coi!r} does not match the patient's COI "
                f"{self.state.coi!r}; {kind} refused and a critical safety alert ({alert.alert_id}) raised",
                events=tuple(self.events),
            )

    def milestone(self, m: Milestone) -> list[ev.Event]:
        s, policy = self.state, self.state.policy
        accepted = ev.MilestoneAccepted(milestone=m, occurred_at=self.now, actor=self.actor)
        match m:
            case ApheresisCompleted(coi=coi) | ProductReleased(coi=coi) | InfusionCompleted(coi=coi):
                self.coi_must_match(m.kind, coi)
            case ManufacturingFailed(next="reapheresis") if s.reapheresis_count >= policy.max_reapheresis:
                raise WrongStage(
                    f"re-apheresis already used ({s.reapheresis_count} of {policy.max_reapheresis}); "
                    "report next=out_of_spec or next=stop"
                )
            case Discharged(override_reason=None) if self.early_discharge():
                day = policy.in_days(self.now - s.infused_at) if s.infused_at else 0.0
                raise MinimumStayNotReached(
                    f"discharge on day {int(day)} after infusion is before the minimum stay of "
                    f"{policy.min_stay_days:g} days; give override_reason to discharge early"
                )
            case FollowUpRecorded(visit_day=day) if day != s.next_visit_day():
                raise WrongStage(f"the next expected follow-up visit is day {s.next_visit_day()}, not day {day}")
            case EstimateAccepted() if s.eligible is not True:
                raise WrongStage(
                    "the estimate can be accepted only after the centre has decided the patient is eligible")
            case EligibilityDecided() if s.eligible is not None:
                raise WrongStage("eligibility has already been decided for this journey")
        self.events.append(accepted)
        self._consequences(m)
        return self.events

    def _consequences(self, m: Milestone) -> None:
        policy = self.state.policy
        match m:
            case RecordsReceived():
                self.enter(Stage.TELECONSULT)
            case TeleconsultCompleted(outcome="proceed"):
                self.enter(Stage.SCREENING)
            case TeleconsultCompleted(outcome="more_records"):
                self.enter(Stage.RECORDS)
            case TeleconsultCompleted(outcome="not_candidate"):
                self.end(Outcome.INELIGIBLE, "not a candidate at teleconsult")
            case EligibilityDecided(eligible=False):
                self.end(Outcome.INELIGIBLE, "; ".join(m.reasons) or "not eligible at screening")
            case EstimateAccepted():
                self.enter(Stage.TRAVEL)
            case PatientAdmitted():
                self.enter(Stage.APHERESIS)
            case ApheresisCompleted():
                self.enter(Stage.MANUFACTURING)
            case ProductReleased():
                if self.state.out_of_spec:
                    self.alert(Severity.WARNING, "out_of_spec_release",
                               f"lot {m.lot} released out of specification; "
                               "physician sign-off required before infusion")
                self.enter(Stage.INFUSION)
            case ManufacturingFailed(next="reapheresis"):
                self.alert(Severity.HIGH, "manufacturing_failed",
                           f"manufacturing failed ({m.reason}); re-apheresis scheduled")
                self.enter(Stage.APHERESIS)
            case ManufacturingFailed(next="out_of_spec"):
                self.alert(Severity.HIGH, "manufacturing_out_of_spec",
                           f"product out of specification ({m.reason}); awaiting out-of-spec release")
            case ManufacturingFailed(next="stop"):
                self.end(Outcome.MANUFACTURING_FAILED, m.reason)
            case InfusionCompleted():
                self.enter(Stage.STAY)
            case MonitoringReported(crs_grade=crs, icans_grade=icans):
                for name, grade in (("CRS", crs), ("ICANS", icans)):
                    if grade >= policy.escalation_grade:
                        self.alert(Severity.HIGH, f"{name.lower()}_grade_{grade}",
                                   f"{name} grade {grade} reported; escalate to the treating physician and ops")
            case Discharged(override_reason=str(why)) if self.early_discharge():
                self.alert(Severity.WARNING, "early_discharge", f"discharged before the minimum stay: {why}")
                self.enter(Stage.FOLLOW_UP)
            case Discharged():
                self.enter(Stage.FOLLOW_UP)
            case FollowUpRecorded(response="PD"):
                self.end(Outcome.RELAPSED, f"progressive disease at day {m.visit_day}")
            case FollowUpRecorded() if self.state.next_visit_day() == policy.follow_up_visit_days[-1]:
                self.end(Outcome.COMPLETED, "follow-up complete; long-term surveillance handed off to the centre")
            case AdverseEventReported(grade=grade) if grade >= policy.escalation_grade:
                self.alert(Severity.HIGH, "adverse_event", f"grade {grade} adverse event: {m.term}")
            case DeathReported():
                self.end(Outcome.DECEASED, m.cause)
