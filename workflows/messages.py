"""The journey workflow's inputs, update requests and carried state (one model per call)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.actors import Actor
from domain.effects import Effect
from domain.events import EventRecord
from domain.milestones import Milestone
from domain.policy import PathwayPolicy
from domain.state import JourneyState


class _Msg(BaseModel):
    model_config = ConfigDict(frozen=True)


class Carried(_Msg):
    """What a journey hands to its next run on continue-as-new."""

    state: JourneyState
    outbox: list[EventRecord]
    effects: list[Effect]
    recorded_seq: int


class StartJourney(_Msg):
    journey_id: str
    patient_ref: str
    centre_id: str
    product: str | None = None
    # BCP 47; patient messages are sent in it, and its presence turns on the deposit gate and
    # the interpreter rule (domain/deposit.py). The API always sends one (default "en").
    language: str | None = None
    interpreter_needed: bool = False
    policy: PathwayPolicy = Field(default_factory=PathwayPolicy)
    actor: Actor
    # The centre's IANA zone (day 0 is the infusion day there) and the policy of every
    # catalogue product for this centre, so a product first named at eligibility is checked
    # and its policy adopted without any I/O in the workflow.
    time_zone: str = "UTC"
    catalogue: dict[str, PathwayPolicy] = Field(default_factory=dict)
    # Pin the edition of the clinical rules (tests of first-edition behaviour); None: the
    # current edition for a new journey.
    rules_edition: int | None = None
    # Continue as new once history passes this many events (Temporal also suggests it).
    history_limit: int = 10_000
    upsert_search_attributes: bool = True
    carried: Carried | None = None


class MilestoneRequest(_Msg):
    actor: Actor
    milestone: Milestone


class WithdrawRequest(_Msg):
    actor: Actor
    reason: str = Field(min_length=1, max_length=500)


class ErasePersonalData(_Msg):
    actor: Actor


class AcknowledgeRequest(_Msg):
    actor: Actor
    alert_id: str
    note: str = Field("", max_length=500)
