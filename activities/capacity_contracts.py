"""The capacity activity's name and its one-model input and output (pure pydantic, for workflows)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.capacity import Need, Slot
from domain.capacity_view import Placement

CAPACITY = "capacity"


class _Cmd(BaseModel):
    model_config = ConfigDict(frozen=True)
    journey_id: str
    centre_id: str
    # Workflow time: the week "now" falls in decides the horizon, and replays agree on it.
    at: datetime


class Reserve(_Cmd):
    op: Literal["reserve"] = "reserve"
    need: Need


class Release(_Cmd):
    op: Literal["release"] = "release"


class Rebook(_Cmd):
    op: Literal["rebook"] = "rebook"
    need: Need


class Replan(_Cmd):
    op: Literal["replan"] = "replan"
    targets: dict[str, datetime]
    forced: list[str] = Field(default_factory=list)


class Look(_Cmd):
    """Read the journey's placement (after another journey's change promoted it)."""

    op: Literal["look"] = "look"


CapacityCommand = Annotated[Reserve | Release | Rebook | Replan | Look, Field(discriminator="op")]


class CapacityInput(BaseModel):
    model_config = ConfigDict(frozen=True)
    command: CapacityCommand


class CapacityResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    # The journey's place after the command (None: it holds nothing at the centre).
    placement: Placement | None
    # Other journeys the command took off the waiting list: they are told to look.
    promoted: list[str] = Field(default_factory=list)
    # Other journeys whose place (held weeks, queue position, expected weeks) changed.
    moved: list[str] = Field(default_factory=list)
    # Slots a reported fact pushed past capacity: an alert for ops.
    overbooked: list[Slot] = Field(default_factory=list)
