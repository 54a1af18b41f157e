"""Render a patient message in the patient's language, formatted for their locale by Babel.

Dates and times are shown in the centre's time zone (the patient travels there
and the appointments are local). A language with no catalogue, or a catalogue
without the template, gets English text formatted for English: the result says
so (`fell_back`) and the caller logs it once, since domain/ does no I/O.
"""

from __future__ import annotations

import string
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from pydantic import BaseModel, ConfigDict

from domain.messages.catalog import CATALOGUE, Template
from domain.messages.params import Date, DateTime, Money, Number, Param, Text

DEFAULT_LANGUAGE = "en"


class Rendered(BaseModel):
    model_config = ConfigDict(frozen=True)
    template: str
    # What was asked for (the journey's BCP 47 tag) and the catalogue actually used.
    requested: str
    catalogue: str
    locale: str  # Babel locale the values were formatted in, e.g. zh_Hans_CN
    direction: Literal["ltr", "rtl"]
    subject: str
    body: str
    fell_back: bool


def _catalogue_key(locale: Locale) -> str:
    # Chinese splits by script, not by language: zh-CN and zh-SG read Simplified,
    # zh-TW and zh-HK Traditional (which has no catalogue yet, so it falls back).
    if locale.language == "zh":
        return f"zh_{locale.script or 'Hans'}"
    return locale.language


def resolve_language(tag: str) -> tuple[str, Locale] | None:
    """The catalogue key and Babel locale for a BCP 47 tag; None when no catalogue covers it."""
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    key = _catalogue_key(locale)
    return (key, locale) if key in CATALOGUE else None


def _format(param: Param, locale: Locale, zone: ZoneInfo) -> str:
    match param:
        case Text(value=value):
            return value
        case Date(value=value):
            return format_date(value.astimezone(zone).date(), "long", locale=locale)
        case DateTime(value=value):
            return format_datetime(value, "medium", tzinfo=zone, locale=locale)
        case Money(amount=amount, currency=currency):
            return format_currency(amount, currency, locale=locale)
        case Number(value=value):
            return format_decimal(value, locale=locale)
    raise TypeError(f"unknown parameter {param!r}")


def fields_of(template: Template) -> set[str]:
    return {name for text in template for _, name, _, _ in string.Formatter().parse(text) if name}


def render(
    template: str, params: dict[str, Param], language: str = DEFAULT_LANGUAGE, time_zone: str = "Asia/Shanghai"
) -> Rendered:
    """Raises KeyError for an unknown template or a missing parameter (a programming error)."""
    english = CATALOGUE[DEFAULT_LANGUAGE][template]
    resolved = resolve_language(language)
    chosen = CATALOGUE[resolved[0]].get(template) if resolved else None
    if resolved is None or chosen is None:
        key, locale, chosen, fell_back = DEFAULT_LANGUAGE, Locale("en"), english, True
    else:
        key, locale = resolved
        fell_back = False
    zone = ZoneInfo(time_zone)
    values = {name: _format(p, locale, zone) for name, p in params.items()}
    return Rendered(
        template=template,
        requested=language,
        catalogue=key,
        locale=str(locale),
        direction="rtl" if locale.character_order == "right-to-left" else "ltr",
        subject=chosen.subject.format_map(values),
        body=chosen.body.format_map(values),
        fell_back=fell_back and language.split("-")[0].lower() != DEFAULT_LANGUAGE,
    )
