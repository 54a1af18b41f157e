"""The ledger: a pure fold of a journey's events into its money, Decimal only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from domain import ledger as money
from domain.money import Amount, CurrencyIn
from domain.policy import PathwayPolicy
from domain.reference import CostRange
from tests.helpers.pathway import Pathway

CHINA = {"usd": CostRange(min=60000, max=180000), "rmb": CostRange(min=990000, max=1290000)}


def books_of(p: Pathway, ranges: dict[str, CostRange] | None = None) -> money.Books:
    return money.fold(enumerate(p.events, start=1), ranges)


def estimated(usd: int = 150000, policy: PathwayPolicy | None = None) -> Pathway:
    p = Pathway(policy).to_screening()
    p.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=usd)
    return p


def test_the_estimate_is_shown_in_usd_and_in_rmb_at_the_recorded_policy_rate() -> None:
    ledger = money.ledger(books_of(estimated(150000)))
    assert ledger.estimate is not None
    assert (ledger.estimate.usd, ledger.estimate.rmb, ledger.estimate.rate) == (
        Decimal("150000.00"),
        Decimal("1080000.00"),
        Decimal("7.20"),
    )
    assert ledger.model_dump(mode="json")["estimate"]["rmb"] == "1080000.00"


def test_a_policy_with_another_rate_converts_at_that_rate() -> None:
    ledger = money.ledger(books_of(estimated(100000, PathwayPolicy(usd_rmb_rate=Decimal("7.1234")))))
    assert ledger.estimate and ledger.estimate.rmb == Decimal("712340.00")


def test_an_estimate_outside_the_products_range_warns_and_inside_it_does_not() -> None:
    inside = money.ledger(books_of(estimated(150000), CHINA))
    assert inside.estimate and inside.estimate.in_range and not inside.warnings
    above = money.ledger(books_of(estimated(200000), CHINA))
    assert above.estimate and above.estimate.in_range is False
    assert any("above the product's range (USD 60,000-180,000)" in w for w in above.warnings)


def test_the_deposit_is_a_policy_share_of_the_estimate_and_awaits_payment() -> None:
    ledger = money.ledger(books_of(estimated(100000)))
    assert ledger.deposit is not None
    assert ledger.deposit.status == "awaiting" and ledger.deposit.required.usd == Decimal("30000.00")


def test_payments_and_charges_in_either_currency_give_a_balance_in_both() -> None:
    p = estimated(100000)
    books = books_of(p)
    books = money.payment(
        books,
        seq=90,
        occurred_at=p.now,
        actor="ops:alice",
        amount=Decimal("30000.00"),
        currency="USD",
        reference="WIRE-1",
    )
    books = money.charge(
        books,
        seq=91,
        occurred_at=p.now,
        actor="centre:pku",
        item="apheresis",
        amount=Decimal("72000.00"),
        currency="CNY",
    )
    ledger = money.ledger(books)
    assert ledger.deposit and ledger.deposit.status == "paid"
    assert ledger.charged == money.Both(usd=Decimal("10000.00"), rmb=Decimal("72000.00"))
    assert ledger.balance == money.Both(usd=Decimal("-20000.00"), rmb=Decimal("-144000.00"))


def test_withdrawal_refunds_what_was_paid_and_not_spent_by_policy() -> None:
    p = estimated(100000, PathwayPolicy(withdrawal_refund_fraction=Decimal("0.9")))
    p.withdraw("patient changed their mind")
    books = money.fold(enumerate(p.events, start=1))
    books = money.payment(
        books, seq=90, occurred_at=p.now, actor="ops:alice", amount=Decimal("30000"), currency="USD", reference=None
    )
    # The refund is decided when the withdrawal is folded: replay it after the payment.
    books = money.evolve(books, p.events[-1], 99)
    ledger = money.ledger(books)
    assert [line.kind for line in ledger.lines][-1] == "refund"
    assert ledger.refunded.usd == Decimal("27000.00") and ledger.balance.usd == Decimal("-3000.00")


@pytest.mark.parametrize("bad", [1250.5, True, "12.345", "-5", "0", "1e3x"])
def test_amounts_are_positive_decimal_strings_with_at_most_two_places(bad: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Amount).validate_python(bad)


def test_rmb_is_accepted_as_the_iso_code_cny() -> None:
    assert TypeAdapter(CurrencyIn).validate_python("RMB") == "CNY"
    assert TypeAdapter(Amount).validate_python("1250.50") == Decimal("1250.50")


def test_charges_and_payments_reported_as_milestones_fold_into_the_ledger() -> None:
    p = estimated(100000)
    p.report("payment_received", amount="30000.00", currency="USD", reference="WIRE-1")
    p.report("estimate_accepted")
    p.report("charge_posted", item="teleconsult", amount="7200.00", currency="RMB")
    ledger = money.ledger(books_of(p))
    assert [(line.kind, line.converted.usd) for line in ledger.lines] == [
        ("payment", Decimal("30000.00")),
        ("charge", Decimal("1000.00")),
    ]
    assert ledger.deposit and ledger.deposit.status == "paid"
    assert ledger.balance == money.Both(usd=Decimal("-29000.00"), rmb=Decimal("-208800.00"))
    p.withdraw("patient chose treatment at home")
    refunded = money.ledger(books_of(p))
    assert refunded.refunded.usd == Decimal("29000.00") and refunded.balance.usd == Decimal("0.00")
