"""Chain of custody: hand-offs form a chain, a bad condition holds infusion until QA decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest

from domain import custody as cu
from domain.custody import Condition, CustodyChain, HandOff, QualityDecision

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def hand(
    frm: str, to: str, hours: float, condition: Condition = Condition.INTACT, minutes: float | None = None
) -> HandOff:
    return HandOff(
        from_party=frm,
        to_party=to,
        condition=condition,
        at=T0 + timedelta(hours=hours),
        temperature_c=4.0,
        excursion_minutes=minutes,
    )


def chain(*hand_offs: HandOff) -> CustodyChain:
    c = CustodyChain()
    for h in hand_offs:
        cu.check_hand_off(c, h)
        c = cu.hand_over(c, h)
    return c


def qa(decision: Literal["release", "reject"]) -> QualityDecision:
    return QualityDecision(approved_by="qp-li", decision=decision, at=T0)


def test_a_clean_chain_names_the_current_holder_and_allows_infusion() -> None:
    c = chain(hand("pku-apheresis", "courier", 1), hand("courier", "iaso-site", 20))
    assert c.holder == "iaso-site"
    assert c.time_out_of_cold_chain() == timedelta()
    cu.check_infusable(c)


def test_a_hand_off_that_does_not_start_with_the_holder_is_a_gap() -> None:
    c = chain(hand("pku-apheresis", "courier", 1))
    with pytest.raises(cu.CustodyGap, match="'courier'"):
        cu.check_hand_off(c, hand("iaso-site", "courier-2", 2))


def test_a_party_cannot_hand_to_itself_and_hand_offs_keep_time_order() -> None:
    with pytest.raises(cu.CustodyGap):
        cu.check_hand_off(CustodyChain(), hand("courier", "courier", 1))
    c = chain(hand("a", "b", 5))
    with pytest.raises(cu.CustodyGap, match="before the previous"):
        cu.check_hand_off(c, hand("b", "c", 1))


def test_an_excursion_holds_infusion_until_quality_releases_it() -> None:
    c = chain(hand("a", "courier", 1), hand("courier", "site", 11, Condition.EXCURSION))
    with pytest.raises(cu.QualityHold):
        cu.check_infusable(c)
    c = cu.decide_quality(c, qa("release"))
    cu.check_infusable(c)
    # The leg with the excursion counts whole when the logger gave no duration.
    assert c.time_out_of_cold_chain() == timedelta(hours=10)


def test_a_logged_excursion_duration_is_used_when_given() -> None:
    c = chain(hand("a", "b", 1), hand("b", "c", 30, Condition.EXCURSION, minutes=45))
    assert c.time_out_of_cold_chain() == timedelta(minutes=45)


def test_damage_holds_too_and_a_rejection_never_allows_infusion() -> None:
    c = cu.decide_quality(chain(hand("a", "b", 1, Condition.DAMAGED)), qa("reject"))
    assert cu.rejected(c)
    with pytest.raises(cu.QualityHold, match="rejected"):
        cu.check_infusable(c)


def test_a_quality_decision_needs_something_on_hold() -> None:
    with pytest.raises(cu.NothingOnHold):
        cu.check_quality_decision(chain(hand("a", "b", 1)))


def test_a_rejection_leads_to_reapheresis_within_the_limit_else_the_end() -> None:
    assert cu.after_rejection(0, 1) == "reapheresis"
    assert cu.after_rejection(1, 1) == "end"


def test_a_new_collection_starts_a_fresh_chain_and_keeps_the_old_one_on_record() -> None:
    old = cu.decide_quality(chain(hand("pku", "courier", 1, Condition.DAMAGED)), qa("reject"))
    fresh = old.for_collection(1)
    assert fresh.holder is None and not fresh.on_hold and not cu.rejected(fresh)
    cu.check_hand_off(fresh, hand("pku", "courier-2", 30))
    after = cu.hand_over(fresh, hand("pku", "courier-2", 30))
    assert [h.to_party for h in after.all_hand_offs] == ["courier", "courier-2"]
    assert after.holder == "courier-2"
