"""Patient messages: every translation says the same things, values are formatted for the reader's locale."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel import Locale

from domain.messages.catalog import CATALOGUE, EN
from domain.messages.params import Date, DateTime, Money, Number, Text
from domain.messages.render import _format, fields_of, render, resolve_language

ESTIMATE = {
    "estimate_usd": Money(amount=Decimal("98000"), currency="USD"),
    "estimate_rmb": Money(amount=Decimal("705600.00"), currency="CNY"),
    "deposit": Money(amount=Decimal("29400.00"), currency="USD"),
}


@pytest.mark.parametrize("language", sorted(set(CATALOGUE) - {"en"}))
def test_every_translation_uses_exactly_the_english_placeholders(language: str) -> None:
    for name, template in CATALOGUE[language].items():
        assert fields_of(template) == fields_of(EN[name]), (language, name)


def test_simplified_chinese_formats_money_in_its_own_locale() -> None:
    text = render("estimate_ready", ESTIMATE, "zh-CN")
    assert (text.catalogue, text.direction, text.fell_back) == ("zh_Hans", "ltr", False)
    assert text.subject == "您的费用估算"
    assert "US$98,000.00" in text.body and "¥705,600.00" in text.body


def test_russian_groups_digits_and_puts_the_currency_after_the_amount() -> None:
    body = render("estimate_ready", ESTIMATE, "ru-RU").body
    assert "98\xa0000,00\xa0$" in body


def test_arabic_is_right_to_left() -> None:
    text = render("deposit_reminder", {"deposit": ESTIMATE["deposit"], "outstanding": ESTIMATE["deposit"]}, "ar")
    assert text.direction == "rtl" and text.catalogue == "ar"


def test_dates_are_the_centres_calendar_day_not_utc() -> None:
    # 20:00 UTC on 1 December is already 2 December in Beijing.
    due = Date(value=datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    en = render("follow_up_reminder", {"visit_day": Number(value=Decimal(30)), "due_on": due}, "en")
    zh = render("follow_up_reminder", {"visit_day": Number(value=Decimal(30)), "due_on": due}, "zh-Hans")
    assert "December 2, 2026" in en.body and "2026年12月2日" in zh.body


def test_a_time_is_shown_in_the_centres_time_zone() -> None:
    shown = _format(DateTime(value=datetime(2026, 12, 1, 1, 30, tzinfo=UTC)), Locale("en"), ZoneInfo("Asia/Shanghai"))
    assert "9:30" in shown


@pytest.mark.parametrize("language", ["pt-BR", "zh-TW", "not a tag", ""])
def test_a_language_without_a_catalogue_falls_back_to_english(language: str) -> None:
    text = render(
        "teleconsult_booked",
        {"centre": Text(value="Lu Daopei Hospital"), "reference": Text(value="LUD-TEL-1")},
        language,
    )
    assert text.catalogue == "en" and text.fell_back
    assert text.body.startswith("Your teleconsultation with Lu Daopei Hospital")


def test_a_template_missing_from_a_catalogue_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CATALOGUE, "ru", {k: v for k, v in CATALOGUE["ru"].items() if k != "flight_booked"})
    params = {"centre": Text(value="Fuda"), "reference": Text(value="F-1")}
    assert render("flight_booked", params, "ru").fell_back
    assert not render("accommodation_booked", params, "ru").fell_back


def test_english_variants_are_english_not_a_fallback() -> None:
    assert resolve_language("en-GB") is not None
    assert not render(
        "teleconsult_booked", {"centre": Text(value="x"), "reference": Text(value="y")}, "en-GB"
    ).fell_back
