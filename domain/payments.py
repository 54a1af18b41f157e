"""The money milestones: charges from the centre, payments and deposit overrides from ops.

Amounts are decimal strings (domain/money.py). Payments and charges are facts
accepted in every open stage; what they mean for the deposit and the travel
bookings is decided in domain/deposit.py, what they add up to in domain/ledger.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from domain.milestone_base import OPS, MilestoneBase, ShortText
from domain.money import Amount, Currency, CurrencyIn, cents
from domain.stages import Stage

if TYPE_CHECKING:
    from domain.state import JourneyState

Reference = Annotated[str, Field(min_length=1, max_length=128)]


def gated(state: JourneyState) -> bool:
    return state.language is not None


def deposit_required(state: JourneyState) -> Decimal | None:
    """USD due before admission; None while there is no estimate."""
    if state.estimate_usd is None:
        return None
    return cents(Decimal(state.estimate_usd) * state.policy.deposit_fraction)


def deposit_covered(state: JourneyState, paid: Decimal | None = None) -> bool:
    required = deposit_required(state)
    return required is None or (state.paid_usd if paid is None else paid) >= required


def awaiting_deposit(state: JourneyState) -> bool:
    return gated(state) and state.stage is Stage.TRAVEL and not state.travel_released


def in_usd(amount: Decimal, currency: Currency, rate: Decimal) -> Decimal:
    return cents(amount if currency == "USD" else amount / rate)


class ChargePosted(MilestoneBase):
    """A centre bills an item of the treatment (apheresis, the product, the stay, ...)."""

    kind: Literal["charge_posted"] = "charge_posted"
    item: Annotated[str, Field(min_length=1, max_length=200)]
    amount: Amount
    currency: CurrencyIn


class PaymentReceived(MilestoneBase):
    """Ops record money received from (or for) the patient."""

    reporters = OPS
    kind: Literal["payment_received"] = "payment_received"
    amount: Amount
    currency: CurrencyIn
    reference: Reference | None = None

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {"paid_usd": state.paid_usd + in_usd(self.amount, self.currency, state.policy.usd_rmb_rate)}


class DepositOverridden(MilestoneBase):
    """Ops let flights and accommodation be booked before the deposit is paid, and say why."""

    stages = frozenset({Stage.SCREENING, Stage.TRAVEL})
    reporters = OPS
    kind: Literal["deposit_overridden"] = "deposit_overridden"
    reason: ShortText

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        return {"deposit_override": self.reason}
