"""Typed template arguments: each says how it is formatted, so no caller formats by hand.

They travel inside activity inputs (a workflow builds them, an activity renders
them), so they are plain pydantic data with a discriminator.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# A BCP 47 tag as people write them: language, optional script, region, variants
# (`en`, `zh-CN`, `zh-Hans`, `ar-EG`, `sr-Latn-RS`). Whether a catalogue covers it is render's business.
LanguageTag = Annotated[
    str,
    Field(
        min_length=2,
        max_length=35,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$",
    ),
]


class _Param(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Param):
    """Inserted as is (a booking reference, a centre's name)."""

    type: Literal["text"] = "text"
    value: str


class Date(_Param):
    """A calendar date in the centre's time zone, in the reader's long date format."""

    type: Literal["date"] = "date"
    value: AwareDatetime


class DateTime(_Param):
    """A date and time in the centre's time zone (the patient travels there)."""

    type: Literal["datetime"] = "datetime"
    value: AwareDatetime


class Money(_Param):
    type: Literal["money"] = "money"
    amount: Decimal
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Number(_Param):
    type: Literal["number"] = "number"
    value: Decimal


Param = Annotated[Text | Date | DateTime | Money | Number, Field(discriminator="type")]
