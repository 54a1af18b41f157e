"""The surveillance workflow's input, update request and carried state (one model per call)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.actors import Actor
from domain.effects import Effect
from domain.events import EventRecord
from domain.state import JourneyState
from domain.surveillance import SurveillanceCheck, SurveillancePolicy


def surveillance_workflow_id(journey_id: str) -> str:
    """Beside the journey's own workflow id, and as opaque (no patient data)."""
    return f"surveillance-{journey_id}"


class _Msg(BaseModel):
    model_config = ConfigDict(frozen=True)


class CarriedSurveillance(_Msg):
    state: JourneyState
    outbox: list[EventRecord]
    effects: list[Effect]
    recorded_seq: int


class StartSurveillance(_Msg):
    # The journey as it ended: its events are all recorded, so this run's continue its sequence.
    journey: JourneyState
    policy: SurveillancePolicy
    history_limit: int = 10_000
    carried: CarriedSurveillance | None = None


class CheckRequest(_Msg):
    actor: Actor
    check: SurveillanceCheck
