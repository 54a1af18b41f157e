"""Response models for the journey's cells (chain of custody) and its centre reservation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class HandOffOut(BaseModel):
    from_party: str
    to_party: str
    condition: Literal["intact", "excursion", "damaged"]
    at: datetime = Field(description="when the hand-off happened (the milestone's occurred_at)")
    collection: int = Field(description="0 for the first collection of cells, 1 after a re-apheresis, ...")
    temperature_c: float | None = None
    seal_id: str | None = None
    excursion_minutes: float | None = None


class QualityDecisionOut(BaseModel):
    approved_by: str
    decision: Literal["release", "reject"]
    at: datetime
    collection: int


class CustodyOut(BaseModel):
    collection: int
    holder: str | None = Field(description="who holds the current collection's cells now")
    on_hold: bool = Field(description="an excursion or damage awaits quality_release; infusion is refused")
    minutes_out_of_cold_chain: float
    hand_offs: list[HandOffOut]
    decisions: list[QualityDecisionOut]


class ReservationOut(BaseModel):
    status: Literal["reserved", "waiting"]
    ticket: int = Field(description="first-come order at the centre")
    position: int | None = Field(description="place on the waiting list (1 = next); null when reserved")
    weeks: dict[str, str] = Field(
        description="ISO week per resource (apheresis, manufacturing:<product>, bed): held, or expected while waiting"
    )
