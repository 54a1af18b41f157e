"""The journey's own record of its centre reservation: what it holds, or where it waits.

The centre's book (store) is the truth about capacity; these events put each
change that concerns the journey into its log, with the reason, so the journey
view and its history show the reservation and how it moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from domain import events as ev
from domain.actors import SYSTEM
from domain.capacity import Slot, week_label
from domain.capacity_view import Placement
from domain.stages import Severity

if TYPE_CHECKING:
    from domain.state import JourneyState


class CapacityEvent(ev.Event):
    """Marks the events the journey fold hands to `journey_changes`."""


class ReservationUpdated(CapacityEvent):
    kind: ClassVar[str] = "reservation_updated"
    placement: Placement
    # What changed it, for a person reading the history.
    reason: str


class ReservationReleased(CapacityEvent):
    kind: ClassVar[str] = "reservation_released"
    reason: str


EVENT_TYPES: tuple[type[ev.Event], ...] = (ReservationUpdated, ReservationReleased)
# Known to the stored-event codec wherever journey state is (domain.state imports this module).
ev.EVENT_TYPES.update({cls.kind: cls for cls in EVENT_TYPES})


def journey_changes(event: CapacityEvent) -> dict[str, Any]:
    match event:
        case ReservationUpdated(placement=placement):
            return {"reservation": placement}
        case ReservationReleased():
            return {"reservation": None}
    return {}


OVERBOOKED = "capacity_overbooked"
REASONS = {
    "reserve": "reserved on estimate acceptance",
    "rebook": "rebooked for the re-apheresis",
    "replan": "moved with what the centre reported",
    "look": "changed by the centre's waiting list",
    "release": "released",
}


def reservation_events(
    state: JourneyState, op: str, placement: Placement | None, overbooked: list[Slot], now: datetime
) -> list[ev.Event]:
    """What a capacity command's answer adds to the journey's log: the reservation as it now
    stands (only when it changed) and, when a reported fact filled a week past capacity, an alert
    for ops (a fact is never refused for want of a slot)."""
    out: list[ev.Event] = []
    if placement != state.reservation:
        out.append(
            ReservationUpdated(placement=placement, reason=REASONS.get(op, op), occurred_at=now, actor=SYSTEM)
            if placement is not None
            else ReservationReleased(reason=REASONS.get(op, op), occurred_at=now, actor=SYSTEM)
        )
    if overbooked:
        slots = ", ".join(f"{s.resource} {week_label(s.week)}" for s in overbooked)
        message = (
            f"reported facts put {slots} over the centre's capacity; the journey is recorded "
            "there anyway: rebalance the week with the centre"
        )
        # Admission and collection in the same full week are one problem for ops, not two.
        if not any(a.code == OVERBOOKED and a.message == message for a in state.open_alerts):
            out.append(
                ev.AlertRaised(
                    alert_id=state.alert_id(),
                    severity=Severity.WARNING,
                    code=OVERBOOKED,
                    message=message,
                    occurred_at=now,
                    actor=SYSTEM,
                )
            )
    return out
