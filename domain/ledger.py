"""A journey's money, folded from its events: the estimate, the deposit, charges, payments, refunds.

Decimal arithmetic only. The exchange rate is the policy's, recorded with the
journey when it started (`journey_started` carries the policy), so a later rate
change never rewrites a ledger. Every line is kept in its own currency and
converted once at that rate, so the balance reads in USD and RMB (ISO code CNY).

The balance is what the patient owes: charges minus payments plus refunds;
negative means money held for the patient (a deposit before any charge).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import events as ev
from domain.milestones import EligibilityDecided, EstimateAccepted
from domain.money import Currency, Shown, cents
from domain.payments import ChargePosted, PaymentReceived
from domain.policy import PathwayPolicy
from domain.reference import CostRange
from domain.stages import Outcome


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Both(_Frozen):
    usd: Shown
    rmb: Shown


class Line(_Frozen):
    kind: Literal["charge", "payment", "refund"]
    seq: int
    occurred_at: datetime
    actor: str
    amount: Shown
    currency: Currency
    converted: Both
    item: str | None = None
    reference: str | None = None


class Estimate(_Frozen):
    product: str | None
    usd: Shown
    rmb: Shown
    # CNY per USD, as recorded with the journey's policy.
    rate: Shown
    accepted: bool = False
    range_usd: CostRange | None = None
    range_rmb: CostRange | None = None
    in_range: bool | None = None


class Deposit(_Frozen):
    required: Both
    paid: Both
    status: Literal["awaiting", "paid"]
    due: str = "before admission"


class Ledger(_Frozen):
    journey_id: str
    rate: Shown
    estimate: Estimate | None = None
    deposit: Deposit | None = None
    lines: tuple[Line, ...] = ()
    charged: Both
    paid: Both
    refunded: Both
    # Positive: the patient owes it; negative: credit held for the patient.
    balance: Both
    warnings: tuple[str, ...] = ()


class Books(_Frozen):
    """The fold's working state; `ledger()` presents it."""

    journey_id: str = ""
    policy: PathwayPolicy = Field(default_factory=PathwayPolicy)
    estimate: Estimate | None = None
    lines: tuple[Line, ...] = ()
    warnings: tuple[str, ...] = ()

    def convert(self, amount: Decimal, currency: Currency) -> Both:
        rate = self.policy.usd_rmb_rate
        if currency == "USD":
            return Both(usd=cents(amount), rmb=cents(amount * rate))
        return Both(usd=cents(amount / rate), rmb=cents(amount))

    def total(self, kind: str) -> Both:
        chosen = [line.converted for line in self.lines if line.kind == kind]
        return Both(usd=sum((b.usd for b in chosen), Decimal(0)), rmb=sum((b.rmb for b in chosen), Decimal(0)))

    def add(self, line: Line) -> Books:
        return self.model_copy(update={"lines": (*self.lines, line)})


def _range_check(estimate: Estimate, usd: CostRange | None, rmb: CostRange | None) -> tuple[Estimate, list[str]]:
    # The estimate is quoted in USD, so the USD range decides. The brief's RMB range is
    # shown beside it but not checked: it was quoted at another rate (at 7.20 it would
    # only admit USD 137,500-179,166, flagging most estimates the USD range accepts).
    warnings = []
    if usd and not usd.min <= estimate.usd <= usd.max:
        side = "below" if estimate.usd < usd.min else "above"
        warnings.append(f"estimate USD {estimate.usd:,.2f} is {side} the product's range (USD {usd.min:,}-{usd.max:,})")
    return estimate.model_copy(
        update={"range_usd": usd, "range_rmb": rmb, "in_range": (not warnings) if usd else None}
    ), warnings


def evolve(books: Books, event: ev.Event, seq: int, ranges: dict[str, CostRange] | None = None) -> Books:
    """One event's effect on the money; events that are not about money leave it as it is."""
    ranges = ranges or {}
    match event:
        case ev.JourneyStarted(journey_id=journey_id, policy=policy):
            return books.model_copy(update={"journey_id": journey_id, "policy": policy})
        case ev.MilestoneAccepted(milestone=EligibilityDecided(eligible=True, estimate_usd=usd, product=product)) if (
            usd is not None
        ):
            amount = Decimal(usd)
            estimate, warnings = _range_check(
                Estimate(
                    product=product,
                    usd=cents(amount),
                    rmb=cents(amount * books.policy.usd_rmb_rate),
                    rate=books.policy.usd_rmb_rate,
                ),
                ranges.get("usd"),
                ranges.get("rmb"),
            )
            return books.model_copy(update={"estimate": estimate, "warnings": tuple(warnings)})
        case ev.MilestoneAccepted(milestone=EstimateAccepted()) if books.estimate:
            return books.model_copy(update={"estimate": books.estimate.model_copy(update={"accepted": True})})
        case ev.MilestoneAccepted(milestone=ChargePosted(item=item, amount=amount, currency=currency)):
            return charge(
                books,
                seq=seq,
                occurred_at=event.occurred_at,
                actor=str(event.actor),
                item=item,
                amount=amount,
                currency=currency,
            )
        case ev.MilestoneAccepted(milestone=PaymentReceived(amount=amount, currency=currency, reference=ref)):
            return payment(
                books,
                seq=seq,
                occurred_at=event.occurred_at,
                actor=str(event.actor),
                amount=amount,
                currency=currency,
                reference=ref,
            )
        case ev.JourneyEnded(outcome=Outcome.WITHDRAWN):
            return _refund(books, event, seq)
    return books


def charge(
    books: Books, *, seq: int, occurred_at: datetime, actor: str, item: str, amount: Decimal, currency: Currency
) -> Books:
    return books.add(
        Line(
            kind="charge",
            seq=seq,
            occurred_at=occurred_at,
            actor=actor,
            amount=amount,
            currency=currency,
            converted=books.convert(amount, currency),
            item=item,
        )
    )


def payment(
    books: Books,
    *,
    seq: int,
    occurred_at: datetime,
    actor: str,
    amount: Decimal,
    currency: Currency,
    reference: str | None,
) -> Books:
    return books.add(
        Line(
            kind="payment",
            seq=seq,
            occurred_at=occurred_at,
            actor=actor,
            amount=amount,
            currency=currency,
            converted=books.convert(amount, currency),
            reference=reference,
        )
    )


def _refund(books: Books, event: ev.Event, seq: int) -> Books:
    # Money paid and not spent goes back by policy (the policy may keep a share, e.g. costs
    # already committed by the hub); refunded in USD, the currency the estimate is quoted in.
    unspent = books.total("payment").usd - books.total("charge").usd
    amount = cents(unspent * books.policy.withdrawal_refund_fraction)
    if amount <= 0:
        return books
    return books.add(
        Line(
            kind="refund",
            seq=seq,
            occurred_at=event.occurred_at,
            actor=str(event.actor),
            amount=amount,
            currency="USD",
            converted=books.convert(amount, "USD"),
            reference="withdrawal",
        )
    )


def deposit_of(books: Books) -> Deposit | None:
    if books.estimate is None:
        return None
    required = books.convert(cents(books.estimate.usd * books.policy.deposit_fraction), "USD")
    paid = books.total("payment")
    return Deposit(required=required, paid=paid, status="paid" if paid.usd >= required.usd else "awaiting")


def ledger(books: Books) -> Ledger:
    charged, paid, refunded = books.total("charge"), books.total("payment"), books.total("refund")
    return Ledger(
        journey_id=books.journey_id,
        rate=books.policy.usd_rmb_rate,
        estimate=books.estimate,
        deposit=deposit_of(books),
        lines=books.lines,
        charged=charged,
        paid=paid,
        refunded=refunded,
        balance=Both(usd=charged.usd - paid.usd + refunded.usd, rmb=charged.rmb - paid.rmb + refunded.rmb),
        warnings=books.warnings,
    )


def fold(events: Iterable[tuple[int, ev.Event]], ranges: dict[str, CostRange] | None = None) -> Books:
    books = Books()
    for seq, event in events:
        books = evolve(books, event, seq, ranges)
    return books
