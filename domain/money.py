"""Money as values: amounts are decimal strings on the wire, Decimal inside, two places always.

Shared by the ledger fold and the money milestones (`charge_posted`, `payment_received`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PlainSerializer

CENT = Decimal("0.01")
Currency = Literal["USD", "CNY"]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _decimal_string(value: object) -> object:
    # Amounts are decimal strings on the wire: a JSON number would already have passed
    # through a binary float. Decimals (our own models) and ints (whole amounts) pass.
    if isinstance(value, float | bool):
        raise ValueError("amounts are decimal strings, e.g. \"1250.00\"")
    return value


# An amount as a decimal string with at most two places; serialised back as a string.
Amount = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    Field(gt=0, le=Decimal("100000000"), max_digits=12, decimal_places=2),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json"),
]
Shown = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json")]


def _currency(value: object) -> object:
    # RMB is what patients and centres write; CNY is its ISO 4217 code.
    return "CNY" if isinstance(value, str) and value.upper() == "RMB" else value


CurrencyIn = Annotated[Currency, BeforeValidator(_currency)]


__all__ = ["CENT", "Amount", "Currency", "CurrencyIn", "Shown", "cents"]
