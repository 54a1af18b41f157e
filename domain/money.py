"""Money as values: amounts are decimal strings on the wire, Decimal inside, two places always.

Shared by the ledger fold and the money milestones (`charge_posted`, `payment_received`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
Currency = Literal["USD", "CNY"]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


AMOUNT_PATTERN = r"^(?=.*[1-9])[0-9]{1,9}(\.[0-9]{1,2})?$"


def _decimal_string(value: object) -> object:
    # Amounts are decimal strings on the wire: a JSON number would already have passed
    # through a binary float. Decimals (our own models) and ints (whole amounts) pass.
    if isinstance(value, float | bool):
        raise ValueError('amounts are decimal strings, e.g. "1250.00"')
    if isinstance(value, str) and not re.fullmatch(AMOUNT_PATTERN, value):
        raise ValueError('an amount is a decimal string above zero with at most two places, e.g. "1250.00"')
    return value


# An amount as a decimal string: up to nine integer digits, at most two places, above zero; the
# published schema says exactly that, so a client (or a fuzzer) can tell a valid amount from the schema.
Amount = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    Field(gt=0, max_digits=11, decimal_places=2),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["29400.00"]}),
]
Shown = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json")]


def _currency(value: object) -> object:
    # RMB is what patients and centres write; CNY is its ISO 4217 code.
    return "CNY" if isinstance(value, str) and value.upper() == "RMB" else value


CurrencyIn = Annotated[Currency, BeforeValidator(_currency), WithJsonSchema({"enum": ["USD", "CNY", "RMB"]})]


__all__ = ["CENT", "Amount", "Currency", "CurrencyIn", "Shown", "cents"]
