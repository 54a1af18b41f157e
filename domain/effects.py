"""The outside-world consequences of events, as data; activities carry them out.

Keeping this mapping pure means a test can read exactly which calls a journey
will make without a server, and the workflow stays a thin loop.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain import events as ev
from domain.stages import Outcome, Severity, Stage
from domain.state import TELECONSULT_SLOT

TRAVEL_ITEMS: tuple[str, ...] = ("flight", "accommodation", "interpreter")
# Codes of the alerts raised when a notification itself could not be delivered.
CHANNEL_FAILURES: frozenset[str] = frozenset({"notify_failed"})


class Effect(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: Literal["book", "compensate", "notify", "safety_alert"]
    # Sequence number of the event that caused it: with the journey id, the idempotency key.
    seq: int
    item: str | None = None
    audience: Literal["patient", "centre", "ops"] | None = None
    severity: Severity | None = None
    code: str | None = None
    message: str = ""

    def idempotency_key(self, journey_id: str) -> str:
        return f"{journey_id}:{self.seq}:{self.kind}:{self.item or self.audience or ''}"


def effects_of(event: ev.Event, seq: int) -> list[Effect]:
    match event:
        case ev.StageEntered(stage=Stage.TELECONSULT):
            return [Effect(kind="book", seq=seq, item=TELECONSULT_SLOT)]
        case ev.StageEntered(stage=Stage.TRAVEL):
            return [Effect(kind="book", seq=seq, item=item) for item in TRAVEL_ITEMS]
        case ev.ReminderSent(audience=audience, message=message):
            return [Effect(kind="notify", seq=seq, audience=audience, message=message)]
        case ev.AlertRaised(code=code) if code in CHANNEL_FAILURES:
            # Notifying through the channel that just failed would fail, alert and notify
            # again forever; the alert stays open on the journey for ops to see.
            return []
        case ev.AlertRaised(code="safety_alert_failed"):
            # A page that did not get through falls back to telling ops, once.
            return [Effect(kind="notify", seq=seq, audience="ops", message=event.message)]
        case ev.AlertRaised(severity=Severity.CRITICAL | Severity.HIGH):
            return [Effect(kind="safety_alert", seq=seq, severity=event.severity,
                           code=event.code, message=event.message)]
        case ev.AlertRaised():
            return [Effect(kind="notify", seq=seq, audience="ops", message=event.message)]
        case ev.JourneyEnded(outcome=Outcome.WITHDRAWN):
            # Compensation reads the bookings held when it runs, newest first, so a
            # booking still in flight at withdrawal time is cancelled too.
            return [
                Effect(kind="compensate", seq=seq, message=event.reason),
                Effect(kind="notify", seq=seq, audience="centre", message=f"journey withdrawn: {event.reason}"),
            ]
        case ev.JourneyEnded(outcome=outcome, reason=reason):
            return [Effect(kind="notify", seq=seq, audience="centre", message=f"journey ended ({outcome}): {reason}")]
    return []
