"""The commands on a journey: who may give them (`authorise`) and which events they produce.

Every refusal raises from the JourneyRuleError family with a reason a person
can act on. Nothing here mutates state; `evolve` applies the returned events.
A milestone's own checks and consequences are its handler in `domain.pathway`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

import domain.custody_rules  # noqa: F401  (registers the custody milestone handlers)
import domain.pathway  # noqa: F401  (registers the core milestone handlers)
from domain import deposit  # registers the money milestones' handlers; the deposit gate
from domain import events as ev
from domain.actors import Actor, Role
from domain.decision import HANDLERS, Decision
from domain.errors import (
    DuplicateMilestone,
    InvalidMilestone,
    JourneyEnded,
    NoOpenAlert,
    NotPermitted,
    OccurredAtOutOfRange,
    WrongStage,
)
from domain.milestone_base import OPS, MilestoneBase
from domain.milestones import MILESTONE_CLASSES, Milestone
from domain.policy import PathwayPolicy
from domain.stages import Outcome
from domain.state import JourneyState

# A centre's clock may run slightly ahead of ours; beyond this a report from the future is refused.
CLOCK_SKEW = timedelta(minutes=10)
# The edition of the clinical rules new journeys get (DESIGN §1a is the second). A journey
# keeps the edition it started under, so its history replays under the rules that made it.
CURRENT_EDITION = 2

# A kind added to the union without a handler fails at import, not at a patient's bedside.
_missing = [cls.__name__ for cls in MILESTONE_CLASSES if cls not in HANDLERS]
if _missing:
    raise ImportError(f"milestone classes without a decision handler: {_missing}")


class OpsCommand(StrEnum):
    """Commands that are not milestones; operations staff give them."""

    WITHDRAW = "withdraw"
    ACKNOWLEDGE = "acknowledge"

    @property
    def reporters(self) -> frozenset[Role]:
        return OPS


Command = type[MilestoneBase] | OpsCommand
_OPS_ONLY_REASON = {
    OpsCommand.WITHDRAW: "only operations staff may withdraw a journey",
    OpsCommand.ACKNOWLEDGE: "only operations staff may acknowledge alerts",
}


def authorise(actor: Actor, centre_id: str, command: Command) -> None:
    """The only authorisation of a command: the API asks it before sending, the workflow before deciding."""
    if isinstance(command, OpsCommand):
        if actor.role not in command.reporters:
            raise NotPermitted(_OPS_ONLY_REASON[command])
        return
    kind = command.model_fields["kind"].default
    if actor.role == "centre":
        if not actor.speaks_for(centre_id):
            raise NotPermitted(f"centre {actor.centre!r} does not treat this patient")
        if "centre" not in command.reporters:
            raise NotPermitted(f"{kind} is recorded by operations staff, not by a centre")
    elif actor.role == "ops":
        if "ops" not in command.reporters:
            raise NotPermitted(f"{kind} is a clinical milestone; only the treating centre reports it")
    else:
        raise NotPermitted(f"actor {str(actor)!r} may not report milestones")


def start(
    *,
    journey_id: str,
    patient_ref: str,
    centre_id: str,
    product: str | None,
    policy: PathwayPolicy,
    actor: Actor,
    now: datetime,
    edition: int = CURRENT_EDITION,
    time_zone: str = "UTC",
    language: str | None = None,
    interpreter_needed: bool = False,
) -> ev.JourneyStarted:
    return ev.JourneyStarted(
        language=language,
        interpreter_needed=interpreter_needed,
        journey_id=journey_id,
        patient_ref=patient_ref,
        centre_id=centre_id,
        product=product,
        policy=policy,
        edition=edition,
        time_zone=time_zone,
        occurred_at=now,
        actor=actor,
    )


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


def decide(
    state: JourneyState,
    milestone: Milestone,
    actor: Actor,
    now: datetime,
    catalogue: Mapping[str, PathwayPolicy] | None = None,
) -> list[ev.Event]:
    """Events for an accepted milestone, or a JourneyRuleError saying why not.

    `catalogue`: the policy of every catalogue product for this journey's centre, so a
    product first named at eligibility is checked and its policy adopted (None: not checked).
    """
    # Authorise first: a resubmission is answered with the journey's state, which
    # another centre must not be able to read by replaying a milestone it has seen.
    authorise(actor, state.centre_id, type(milestone))
    if is_repeat(state, milestone):
        return []
    if state.ended:
        raise JourneyEnded(f"the journey has ended ({state.outcome}); no further milestones are accepted")
    if milestone.occurred_at > now + CLOCK_SKEW:
        raise OccurredAtOutOfRange("occurred_at is in the future; report milestones after they happen")
    if state.edition >= 2:
        _check_clock(state, milestone, now)
    if state.stage not in milestone.accepted_stages(state):
        raise WrongStage(_wrong_stage(milestone, state))
    decision = Decision(state, actor, now, catalogue)
    HANDLERS[type(milestone)](decision, milestone)
    deposit.consequences(decision, milestone)
    accepted = ev.MilestoneAccepted(milestone=milestone, occurred_at=now, actor=actor)
    return [accepted, *decision.events]


def _check_clock(state: JourneyState, m: MilestoneBase, now: datetime) -> None:
    policy = state.policy
    oldest = now - policy.days(policy.max_report_delay_days)
    if m.occurred_at < oldest:
        raise OccurredAtOutOfRange(
            f"occurred_at is more than {policy.max_report_delay_days:g} days in the past; "
            "a report this late needs ops to correct the record"
        )
    if m.sequenced and state.last_clinical_at is not None and m.occurred_at < state.last_clinical_at:
        raise OccurredAtOutOfRange(
            f"occurred_at {m.occurred_at.isoformat()} is before the journey's previous clinical milestone "
            f"({state.last_clinical_at.isoformat()})"
        )


def _wrong_stage(m: MilestoneBase, state: JourneyState) -> str:
    stages = m.accepted_stages(state)
    if len(stages) == 1:
        [expected] = stages
        return f"{m.kind} belongs to stage {expected}; the journey is in {state.stage}"
    accepted = ", ".join(sorted(stages))
    return f"{m.kind} is accepted in stages {accepted}; the journey is in {state.stage}"


def withdraw(state: JourneyState, reason: str, actor: Actor, now: datetime) -> list[ev.Event]:
    if state.ended:
        raise JourneyEnded(f"the journey has already ended ({state.outcome})")
    authorise(actor, state.centre_id, OpsCommand.WITHDRAW)
    if not reason.strip():
        raise InvalidMilestone("a withdrawal needs a reason")
    return [
        ev.JourneyWithdrawn(reason=reason, occurred_at=now, actor=actor),
        ev.JourneyEnded(outcome=Outcome.WITHDRAWN, reason=reason, occurred_at=now, actor=actor),
    ]


def acknowledge(state: JourneyState, alert_id: str, note: str, actor: Actor, now: datetime) -> list[ev.Event]:
    authorise(actor, state.centre_id, OpsCommand.ACKNOWLEDGE)
    if alert_id not in {a.alert_id for a in state.open_alerts}:
        raise NoOpenAlert(f"no open alert {alert_id!r} on this journey")
    return [ev.AlertAcknowledged(alert_id=alert_id, note=note, occurred_at=now, actor=actor)]


def erase_personal_data(actor: Actor, now: datetime) -> list[ev.Event]:
    """Erasure of the patient's personal data (ops only): recorded as an event with its actor."""
    if actor.role != "ops":
        raise NotPermitted("only operations staff erase personal data")
    return [ev.PersonalDataErased(occurred_at=now, actor=actor)]
