"""The outside-world consequences of events, as data; the workflow has one handler per type.

Keeping this mapping pure means a test can read exactly which calls a journey
will make without a server. What to cancel and in which order on an ending,
and which alert a failed effect leaves behind, are decided here too, so the
workflow only carries them out.

To add an effect kind: a class with its own `kind` literal, a member of the
`Effect` union, a case in `effects_of`, and a handler in the workflow (mypy
flags a union member the workflow's dispatcher does not handle).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import events as ev
from domain.actors import SYSTEM
from domain.capacity import Need
from domain.messages.params import Param
from domain.stages import PATHWAY, Outcome, Severity, Stage
from domain.state import TELECONSULT_SLOT, Booking, JourneyState

TRAVEL_ITEMS: tuple[str, ...] = ("flight", "accommodation", "interpreter")
# Codes of the alerts raised when a notification itself could not be delivered.
CHANNEL_FAILURES: frozenset[str] = frozenset({"notify_failed"})
Audience = Literal["patient", "centre", "ops"]


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str
    # Sequence number of the event that caused it: with the journey id, the idempotency key.
    seq: int

    def subject(self) -> str:
        """What the effect is about, as its idempotency key names it (unchanged since the first edition)."""
        return ""

    def describe(self) -> str:
        """What the effect is about, for a person reading its failure alert."""
        return self.subject()

    def idempotency_key(self, journey_id: str) -> str:
        return f"{journey_id}:{self.seq}:{self.kind}:{self.subject()}"


class Book(_Effect):
    kind: Literal["book"] = "book"
    item: str

    def subject(self) -> str:
        return self.item


class Compensate(_Effect):
    """Cancel what the journey holds (see `to_cancel`); `message` is the ending's reason."""

    kind: Literal["compensate"] = "compensate"
    message: str = ""

    def cancel_key(self, journey_id: str, booking: Booking) -> str:
        return f"{self.idempotency_key(journey_id)}:{booking.reference}"


class Notify(_Effect):
    kind: Literal["notify"] = "notify"
    audience: Audience
    message: str = ""
    # A patient message's template and typed values (domain/messages); rendered in the
    # journey's language by the notify activity. `message` stays the English text.
    template: str | None = None
    params: dict[str, Param] = Field(default_factory=dict)

    def subject(self) -> str:
        return self.audience


class SafetyAlert(_Effect):
    kind: Literal["safety_alert"] = "safety_alert"
    severity: Severity
    code: str
    message: str = ""

    def describe(self) -> str:
        return self.code


class CapacityChange(_Effect):
    """Reserve, release, rebook or move the journey's slots at its centre (`look`: re-read them
    after another journey's change); `domain.capacity_effects` says when."""

    kind: Literal["capacity"] = "capacity"
    op: Literal["reserve", "release", "rebook", "replan", "look"]
    need: Need | None = None
    targets: dict[str, datetime] = Field(default_factory=dict)
    forced: list[str] = Field(default_factory=list)

    def subject(self) -> str:
        return self.op


Effect = Annotated[Book | Compensate | Notify | SafetyAlert | CapacityChange, Field(discriminator="kind")]


def effects_of(event: ev.Event, seq: int, state: JourneyState | None = None) -> list[Effect]:
    """The calls an event implies; `state` (after the event) selects the journey's rules edition."""
    if state is not None and state.edition >= 2:
        return _second_edition(event, seq)
    match event:
        case ev.StageEntered(stage=Stage.TELECONSULT):
            return [Book(seq=seq, item=TELECONSULT_SLOT)]
        case ev.StageEntered(stage=Stage.TRAVEL):
            return [Book(seq=seq, item=item) for item in TRAVEL_ITEMS]
        case ev.ReminderSent(audience=audience, message=message):
            return [Notify(seq=seq, audience=audience, message=message)]
        case ev.AlertRaised(code=code) if code in CHANNEL_FAILURES:
            # Notifying through the channel that just failed would fail, alert and notify
            # again forever; the alert stays open on the journey for ops to see.
            return []
        case ev.AlertRaised(code="safety_alert_failed"):
            # A page that did not get through falls back to telling ops, once.
            return [Notify(seq=seq, audience="ops", message=event.message)]
        case ev.AlertRaised(severity=Severity.CRITICAL | Severity.HIGH):
            return [SafetyAlert(seq=seq, severity=event.severity, code=event.code, message=event.message)]
        case ev.AlertRaised():
            return [Notify(seq=seq, audience="ops", message=event.message)]
        case ev.JourneyEnded(outcome=Outcome.WITHDRAWN):
            # Compensation reads the bookings held when it runs, newest first, so a
            # booking still in flight at withdrawal time is cancelled too.
            return [
                Compensate(seq=seq, message=event.reason),
                Notify(seq=seq, audience="centre", message=f"journey withdrawn: {event.reason}"),
            ]
        case ev.JourneyEnded(outcome=outcome, reason=reason):
            return [Notify(seq=seq, audience="centre", message=f"journey ended ({outcome}): {reason}")]
    return []


def _second_edition(event: ev.Event, seq: int) -> list[Effect]:
    match event:
        case ev.AlertRaised(code=code) if code in CHANNEL_FAILURES:
            return []
        case ev.AlertRaised(code="safety_alert_failed"):
            return [Notify(seq=seq, audience="ops", message=event.message)]
        case ev.AlertRaised(severity=Severity.CRITICAL | Severity.HIGH, clinical=True):
            # Only clinical critical and high alerts page the safety channel; the rest go to ops.
            return [SafetyAlert(seq=seq, severity=event.severity, code=event.code, message=event.message)]
        case ev.AlertRaised():
            return [Notify(seq=seq, audience="ops", message=event.message)]
        case ev.JourneyEnded(outcome=outcome, reason=reason):
            # Every ending cancels what is still ahead (to_cancel decides which); the centre is told.
            told = (
                f"journey withdrawn: {reason}"
                if outcome is Outcome.WITHDRAWN
                else f"journey ended ({outcome}): {reason}"
            )
            return [Compensate(seq=seq, message=reason), Notify(seq=seq, audience="centre", message=told)]
    return effects_of(event, seq)


# The stage by which each booking is used: once the journey has moved past it, the booking
# is spent (the slot was the teleconsult, the patient flew, checked in, met the interpreter).
USED_BY: dict[str, Stage] = {TELECONSULT_SLOT: Stage.TELECONSULT, **{item: Stage.TRAVEL for item in TRAVEL_ITEMS}}


def to_cancel(state: JourneyState) -> list[Booking]:
    """The bookings a compensation cancels, in the order it cancels them (newest first).

    Second edition: only those still ahead of the stage the journey ended (or is) in.
    """
    newest_first = list(reversed(state.bookings))
    if state.edition < 2:
        return newest_first
    stage = state.stages[-2].stage if state.ended and len(state.stages) > 1 else state.stage
    at = PATHWAY.index(stage)
    return [b for b in newest_first if at <= PATHWAY.index(USED_BY.get(b.item, Stage.FOLLOW_UP))]


def failure_alert(
    state: JourneyState, effect: Effect, cause: str, now: datetime, booking: Booking | None = None
) -> ev.AlertRaised:
    """The alert a failed effect leaves for ops (`booking`: the one cancellation that failed)."""
    what = f"{booking.item} ({booking.reference})" if booking else effect.describe()
    return ev.AlertRaised(
        alert_id=state.alert_id(),
        severity=Severity.HIGH,
        code=f"{effect.kind}_failed",
        message=f"{effect.kind} {what} failed: {cause}; handle manually",
        occurred_at=now,
        actor=SYSTEM,
    )
