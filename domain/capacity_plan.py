"""What a journey asks of its centre's capacity: its need from the policy, and where facts move it.

The policy's expected durations place the resources: apheresis after travel and
admission, the product's manufacturing slot from the collection on, and a bed
when the product should be back and infused. Facts the centre reports move the
slots to the weeks they actually fall in (`forced`: recorded even if the week is
full); estimates that slip move them to the first later week with room.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.capacity import APHERESIS, BED, Need, manufacturing
from domain.policy import PathwayPolicy


class Targets(BaseModel):
    """Where a fact or a slipped estimate puts some of a journey's slots."""

    model_config = ConfigDict(frozen=True)
    targets: dict[str, datetime]
    forced: frozenset[str] = frozenset()


def _offsets(policy: PathwayPolicy, product: str | None) -> dict[str, timedelta]:
    offsets = {
        APHERESIS: timedelta(),
        BED: policy.days(policy.manufacturing_expected_days + policy.infusion_expected_days),
    }
    if product:
        offsets[manufacturing(product)] = timedelta()
    return offsets


def need_for(policy: PathwayPolicy, product: str | None, accepted_at: datetime, *, travelling: bool = True) -> Need:
    """The plan a journey books on estimate acceptance (or, `travelling=False`, on a re-apheresis
    of a patient who is already at the centre)."""
    lead = policy.apheresis_expected_days + (policy.travel_expected_days if travelling else 0)
    return Need(earliest=accepted_at + policy.days(lead), offsets=_offsets(policy, product))


def _from_apheresis(
    policy: PathwayPolicy, product: str | None, apheresis_at: datetime, forced: frozenset[str]
) -> Targets:
    return Targets(targets={r: apheresis_at + off for r, off in _offsets(policy, product).items()}, forced=forced)


def on_admission(policy: PathwayPolicy, product: str | None, admitted_at: datetime) -> Targets:
    """The patient is at the centre: the apheresis chair is needed in the coming days, come what may."""
    at = admitted_at + policy.days(policy.apheresis_expected_days)
    return _from_apheresis(policy, product, at, frozenset({APHERESIS}))


def on_apheresis(policy: PathwayPolicy, product: str | None, collected_at: datetime) -> Targets:
    """The cells exist: the chair was used that week and they go to manufacturing now."""
    forced = frozenset({APHERESIS} | ({manufacturing(product)} if product else set()))
    return _from_apheresis(policy, product, collected_at, forced)


def on_product_expected(policy: PathwayPolicy, back_at: datetime) -> Targets:
    """The product is (or is now expected) back at `back_at`: the bed follows, with room."""
    return Targets(targets={BED: back_at + policy.days(policy.infusion_expected_days)})


def on_infusion(infused_at: datetime) -> Targets:
    return Targets(targets={BED: infused_at}, forced=frozenset({BED}))
