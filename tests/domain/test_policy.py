"""The policy: defaults from DESIGN §1, overrides per product and centre, refused nonsense."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from domain.policy import PathwayPolicy, PolicyBook
from journeys import reference_data


def test_defaults_are_the_durations_of_the_pathway() -> None:
    p = PathwayPolicy()
    assert (p.records_remind_days, p.records_escalate_days, p.records_lapse_days) == (7, 14, 30)
    assert p.estimate_lapse_days == 21
    assert (p.manufacturing_warn_days, p.manufacturing_escalate_days) == (28, 35)
    assert p.max_reapheresis == 1
    assert (p.min_stay_days, p.max_stay_days) == (14, 28)
    assert p.follow_up_visit_days == (30, 90, 180, 365)
    assert p.escalation_grade == 3
    assert p.days(1) == timedelta(days=1)


def test_a_product_override_applies_and_a_centre_override_wins_over_it() -> None:
    book = PolicyBook(
        defaults={"min_stay_days": 10},
        products={"eque-cel": {"manufacturing_warn_days": 20, "min_stay_days": 12}},
        centres={"jiahui": {"min_stay_days": 7}},
    )
    p = book.resolve(product="eque-cel", centre="pku")
    assert (p.manufacturing_warn_days, p.min_stay_days) == (20, 12)
    assert book.resolve(product="eque-cel", centre="jiahui").min_stay_days == 7
    assert book.resolve(product=None, centre="pku").min_stay_days == 10


def test_explicit_overrides_win_over_the_book() -> None:
    book = PolicyBook(centres={"pku": {"min_stay_days": 7}})
    assert book.resolve(product=None, centre="pku", overrides={"min_stay_days": 3}).min_stay_days == 3


def test_the_shipped_policy_book_loads_and_resolves_for_every_centre_and_product() -> None:
    book = reference_data.policy_book()
    for centre in reference_data.centres():
        for product in [None, *reference_data.products()]:
            assert isinstance(book.resolve(product=product, centre=centre), PathwayPolicy)
    assert book.resolve(product=None, centre="jiahui").follow_up_remind_before_days == 10


@pytest.mark.parametrize(
    "bad",
    [
        {"records_remind_days": 20},  # remind after escalate
        {"records_lapse_days": 10},  # lapse before escalate
        {"manufacturing_warn_days": 40},
        {"min_stay_days": 30},
        {"follow_up_visit_days": (90, 30)},
        {"follow_up_visit_days": (30, 30, 90)},
        {"follow_up_visit_days": ()},
        {"day_seconds": 0},
        {"max_reapheresis": -1},
        {"escalation_grade": 5},
        {"unknown_days": 3},
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(bad) -> None:
    with pytest.raises(ValidationError):
        PathwayPolicy(**bad)


def test_a_bad_override_in_the_book_is_refused_when_resolved() -> None:
    book = PolicyBook(centres={"pku": {"min_stay_days": 40}})
    with pytest.raises(ValidationError, match="increasing order"):
        book.resolve(product=None, centre="pku")


def test_the_policy_is_frozen() -> None:
    with pytest.raises(ValidationError):
        PathwayPolicy().min_stay_days = 3  # type: ignore[misc]


def test_day_conversion_round_trips() -> None:
    p = PathwayPolicy(day_seconds=2.0)
    assert p.in_days(p.days(14)) == 14
