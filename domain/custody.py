"""Chain of custody: who holds a patient's cells between apheresis and infusion, and in what state.

Chain of identity (the COI) says whose cells these are; chain of custody says
where they are and whether they are still fit to infuse. Every hand-off starts
where the last one ended, so the chain has no gaps; a hand-off that reports an
excursion (out of the temperature range) or damage puts the material on quality
hold, and nothing is infused until quality assurance releases it. A rejection
means the material is lost: re-apheresis if the policy still allows one, else
the journey ends as `manufacturing_failed`.

Pure: callers pass times in; the journey's rules turn these answers into events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.errors import JourneyRuleError


class Condition(StrEnum):
    INTACT = "intact"
    EXCURSION = "excursion"
    DAMAGED = "damaged"


# Conditions after which the material may not be infused without a quality release.
HOLDING: frozenset[Condition] = frozenset({Condition.EXCURSION, Condition.DAMAGED})


class CustodyGap(JourneyRuleError):
    """A hand-off that does not start where the material is: someone in between is unrecorded."""

    code = "custody_gap"


class QualityHold(JourneyRuleError):
    """The material had an excursion or damage and quality assurance has not released it."""

    code = "quality_hold"


class HandOff(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_party: str
    to_party: str
    condition: Condition
    at: datetime
    # Which collection of cells (0 the first, 1 after one re-apheresis, ...).
    collection: int = 0
    temperature_c: float | None = None
    seal_id: str | None = None
    # How long the logger says the material was out of range, when it knows.
    excursion_minutes: float | None = None


class QualityDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    approved_by: str
    decision: Literal["release", "reject"]
    at: datetime
    collection: int = 0


class CustodyChain(BaseModel):
    """The custody record of a journey's cells; a re-apheresis starts a new collection,
    whose chain starts afresh (the earlier hand-offs stay on record)."""

    model_config = ConfigDict(frozen=True)

    collection: int = 0
    # Every hand-off of every collection, in order.
    all_hand_offs: tuple[HandOff, ...] = ()
    # True from an excursion or damage until quality assurance decides (current collection).
    on_hold: bool = False
    decisions: tuple[QualityDecision, ...] = ()

    @property
    def hand_offs(self) -> tuple[HandOff, ...]:
        """The current collection's hand-offs."""
        return tuple(h for h in self.all_hand_offs if h.collection == self.collection)

    @property
    def holder(self) -> str | None:
        """Who has the material now (None before the first hand-off)."""
        current = self.hand_offs
        return current[-1].to_party if current else None

    def for_collection(self, collection: int) -> CustodyChain:
        """The chain to extend for `collection` (a fresh one after a re-apheresis)."""
        if collection == self.collection:
            return self
        return self.model_copy(update={"collection": collection, "on_hold": False})

    def time_out_of_cold_chain(self) -> timedelta:
        """Time the material spent outside its temperature range, as far as the chain knows.

        A hand-off reporting an excursion without a logged duration counts its whole
        leg (since the previous hand-off): the excursion happened somewhere on it, and
        a quality reviewer must see the worst case, not nothing.
        """
        total = timedelta()
        for i, h in enumerate(self.hand_offs):
            if h.condition is not Condition.EXCURSION:
                continue
            if h.excursion_minutes is not None:
                total += timedelta(minutes=h.excursion_minutes)
            elif i > 0:
                total += max(h.at - self.hand_offs[i - 1].at, timedelta())
        return total


def check_hand_off(chain: CustodyChain, hand_off: HandOff) -> None:
    """Refuse a hand-off that would leave a gap (or a loop) in the chain."""
    if hand_off.from_party == hand_off.to_party:
        raise CustodyGap(f"a hand-off needs two parties; {hand_off.from_party!r} hands to itself")
    holder = chain.holder
    if holder is not None and hand_off.from_party != holder:
        raise CustodyGap(
            f"the material is with {holder!r}, so the next hand-off must start there, not at "
            f"{hand_off.from_party!r}; report the missing hand-off(s) first"
        )
    if chain.hand_offs and hand_off.at < chain.hand_offs[-1].at:
        raise CustodyGap(
            f"this hand-off happened at {hand_off.at.isoformat()}, before the previous one "
            f"({chain.hand_offs[-1].at.isoformat()}); report hand-offs in the order they happened"
        )


def hand_over(chain: CustodyChain, hand_off: HandOff) -> CustodyChain:
    """The chain after an accepted hand-off; a bad condition puts (or keeps) it on hold."""
    return chain.model_copy(
        update={
            "all_hand_offs": chain.all_hand_offs + (hand_off.model_copy(update={"collection": chain.collection}),),
            "on_hold": chain.on_hold or hand_off.condition in HOLDING,
        }
    )


class NothingOnHold(JourneyRuleError):
    """A quality decision when no excursion or damage awaits one."""

    code = "no_quality_hold"


def check_quality_decision(chain: CustodyChain) -> None:
    if not chain.on_hold:
        raise NothingOnHold("no excursion or damage awaits a quality decision for this material")


def decide_quality(chain: CustodyChain, decision: QualityDecision) -> CustodyChain:
    """A release lifts the hold; a rejection keeps the record and ends its use (see `rejected`)."""
    return chain.model_copy(
        update={
            "on_hold": False,
            "decisions": chain.decisions + (decision.model_copy(update={"collection": chain.collection}),),
        }
    )


def rejected(chain: CustodyChain) -> bool:
    """Quality assurance rejected the current collection's material."""
    mine = [d for d in chain.decisions if d.collection == chain.collection]
    return bool(mine) and mine[-1].decision == "reject"


def check_infusable(chain: CustodyChain) -> None:
    """Infusion is refused while the material is on hold or was rejected."""
    if chain.on_hold:
        raise QualityHold(
            "the product had an excursion or damage in transit and quality assurance has not "
            "released it; report quality_release first"
        )
    if rejected(chain):
        raise QualityHold("quality assurance rejected this product; it may not be infused")


def after_rejection(reapheresis_count: int, max_reapheresis: int) -> Literal["reapheresis", "end"]:
    """What a quality rejection leads to: a new collection within the policy's limit, else the end."""
    return "reapheresis" if reapheresis_count < max_reapheresis else "end"


class CustodyView(BaseModel):
    """What the journey view shows of the chain: who holds the cells now, every hand-off, the hold."""

    model_config = ConfigDict(frozen=True)

    collection: int
    holder: str | None
    on_hold: bool
    minutes_out_of_cold_chain: float
    # Every hand-off, earlier collections' included (each names its collection).
    hand_offs: list[HandOff]
    decisions: list[QualityDecision]


def custody_view(chain: CustodyChain) -> CustodyView | None:
    """None until the first hand-off: a journey before collection has no chain to show."""
    if not chain.all_hand_offs and not chain.decisions:
        return None
    return CustodyView(
        collection=chain.collection,
        holder=chain.holder,
        on_hold=chain.on_hold,
        minutes_out_of_cold_chain=round(chain.time_out_of_cold_chain().total_seconds() / 60, 1),
        hand_offs=list(chain.all_hand_offs),
        decisions=list(chain.decisions),
    )
