"""The deposit gate and the patient's messages (issue 13), for journeys started with a language.

- Flights and accommodation are booked only once the deposit is covered, or ops
  override the gate with a reason (`deposit_overridden`): the journey records
  `travel_released` and the bookings follow from it. Until then it is "awaiting
  deposit", with a reminder to the patient and then a warning to ops (timers.py).
- The interpreter is booked only when the journey needs one.
- A centre's `patient_admitted` with the deposit unpaid is a fact: recorded, plus
  an ops alert, never refused.
- Patient messages name a template (domain/messages) with typed values.

Journeys started before patient services (`state.language is None`) keep their
first-edition behaviour, so every committed history replays unchanged.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain import events as ev
from domain.decision import Decision, handles
from domain.effects import Book, Effect, Notify
from domain.messages.params import Date, Money, Number, Param, Text
from domain.milestone_base import MilestoneBase
from domain.milestones import EligibilityDecided, EstimateAccepted, PatientAdmitted
from domain.money import cents
from domain.payments import (
    ChargePosted,
    DepositOverridden,
    PaymentReceived,
    awaiting_deposit,
    deposit_covered,
    deposit_required,
    gated,
    in_usd,
)
from domain.stages import Severity, Stage
from domain.state import TELECONSULT_SLOT, JourneyState

HELD_FOR_DEPOSIT: tuple[str, ...] = ("flight", "accommodation")
INTERPRETER = "interpreter"
BOOKED_TEMPLATE = {
    TELECONSULT_SLOT: "teleconsult_booked",
    "flight": "flight_booked",
    "accommodation": "accommodation_booked",
    INTERPRETER: "interpreter_booked",
}


def _release(d: Decision, reason: str) -> None:
    d.events.append(ev.TravelReleased(reason=reason, occurred_at=d.now, actor=d.actor))


@handles(ChargePosted)
def _charge(d: Decision, m: ChargePosted) -> None:
    """A charge is a fact for the ledger; it changes nothing in the pathway."""


@handles(PaymentReceived)
def _payment(d: Decision, m: PaymentReceived) -> None:
    s = d.state
    paid = s.paid_usd + in_usd(m.amount, m.currency, s.policy.usd_rmb_rate)
    if awaiting_deposit(s) and deposit_covered(s, paid):
        _release(d, "deposit received")


@handles(DepositOverridden)
def _override(d: Decision, m: DepositOverridden) -> None:
    if awaiting_deposit(d.state):
        _release(d, f"deposit overridden by ops: {m.reason}")


def consequences(d: Decision, m: MilestoneBase) -> None:
    """What the deposit gate adds to another milestone's decision (called after its handler)."""
    s = d.state
    if not gated(s):
        return
    if isinstance(m, EstimateAccepted) and (deposit_covered(s) or s.deposit_override):
        _release(d, "deposit received" if deposit_covered(s) else f"deposit overridden by ops: {s.deposit_override}")
    elif isinstance(m, PatientAdmitted) and not deposit_covered(s):
        required = deposit_required(s) or Decimal(0)
        d.alert(
            Severity.WARNING,
            "admitted_without_deposit",
            f"patient admitted with the deposit unpaid (USD {s.paid_usd:,.2f} of {required:,.2f} received)"
            + (f"; travel was released by override: {s.deposit_override}" if s.deposit_override else ""),
        )


# -- effects: what the gate changes in the outside calls ----------------------------


def effects(state: JourneyState, event: ev.Event, seq: int, base: list[Effect]) -> list[Effect]:
    """The effects of `event` for this journey (`state`: after the event), given the pathway's own."""
    if not gated(state):
        return base
    match event:
        case ev.StageEntered(stage=Stage.TRAVEL):
            return [
                e
                for e in base
                if not (
                    isinstance(e, Book)
                    and (e.item in HELD_FOR_DEPOSIT or (e.item == INTERPRETER and not state.interpreter_needed))
                )
            ]
        case ev.TravelReleased():
            return [*base, *(Book(seq=seq, item=item) for item in HELD_FOR_DEPOSIT)]
        case ev.BookingMade(item=item, reference=reference) if item in BOOKED_TEMPLATE:
            return [
                *base,
                _patient(
                    seq,
                    f"{item} booked (reference {reference})",
                    BOOKED_TEMPLATE[item],
                    reference=Text(value=reference),
                ),
            ]
        case ev.MilestoneAccepted(milestone=EligibilityDecided(eligible=True, estimate_usd=usd)) if usd is not None:
            estimate, rate = Decimal(usd), state.policy.usd_rmb_rate
            return [
                *base,
                _patient(
                    seq,
                    f"cost estimate USD {usd:,}",
                    "estimate_ready",
                    estimate_usd=Money(amount=estimate, currency="USD"),
                    estimate_rmb=Money(amount=cents(estimate * rate), currency="CNY"),
                    deposit=Money(amount=deposit_required(state) or Decimal(0), currency="USD"),
                ),
            ]
        case ev.ReminderSent(audience="patient", deadline=key):
            return [_templated(e, state, key, event.occurred_at) for e in base]
    return base


def _patient(seq: int, message: str, template: str, **params: Param) -> Notify:
    return Notify(seq=seq, audience="patient", message=message, template=template, params=params)


def _templated(effect: Effect, state: JourneyState, key: str, at: datetime) -> Effect:
    if not isinstance(effect, Notify) or effect.audience != "patient":
        return effect
    stage, *_, name = key.split(".")
    params: dict[str, Param]
    if name == "deposit_remind":
        required = deposit_required(state) or Decimal(0)
        template, params = (
            "deposit_reminder",
            {
                "deposit": Money(amount=required, currency="USD"),
                "outstanding": Money(amount=max(required - state.paid_usd, Decimal(0)), currency="USD"),
            },
        )
    elif stage == "records" and name == "remind":
        template, params = "records_reminder", {"since": Date(value=state.stage_entered_at)}
    elif stage == "follow_up" and name == "remind" and state.infused_at:
        day = int(key.split(".")[1].removeprefix("d"))
        template, params = (
            "follow_up_reminder",
            {"visit_day": Number(value=Decimal(day)), "due_on": Date(value=state.infused_at + state.policy.days(day))},
        )
    else:
        return effect
    return effect.model_copy(update={"template": template, "params": params})
