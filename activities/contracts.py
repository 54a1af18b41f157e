"""Activity names and their one-model inputs/outputs.

Workflows import only this module (pure pydantic), never the implementations,
so no HTTP client or database driver is ever loaded into the workflow sandbox.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.events import EventRecord
from domain.messages.params import Param
from domain.stages import Severity

RECORD_EVENTS = "record_events"
BOOK = "book"
CANCEL_BOOKING = "cancel_booking"
NOTIFY = "notify"
RAISE_SAFETY_ALERT = "raise_safety_alert"


class _Msg(BaseModel):
    model_config = ConfigDict(frozen=True)


class RecordEventsInput(_Msg):
    journey_id: str
    events: list[EventRecord]


class RecordEventsResult(_Msg):
    last_seq: int


class BookingRequest(_Msg):
    journey_id: str
    centre_id: str
    item: str
    idempotency_key: str


class BookingConfirmation(_Msg):
    item: str
    reference: str


class CancelRequest(_Msg):
    journey_id: str
    centre_id: str
    item: str
    reference: str
    idempotency_key: str


class Notification(_Msg):
    journey_id: str
    centre_id: str
    audience: str
    # English text: what ops and centres read, and the patient's text when there is no template.
    message: str
    idempotency_key: str
    # A patient message names a template (domain/messages) and its typed values; the
    # activity renders it in the journey's language (BCP 47).
    template: str | None = None
    params: dict[str, Param] = Field(default_factory=dict)
    language: str = "en"


class SafetyAlert(_Msg):
    journey_id: str
    centre_id: str
    severity: Severity
    code: str
    message: str
    idempotency_key: str


class Done(_Msg):
    ok: bool = True
