"""The signal one journey sends another whose place at their centre its change moved."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CapacityChanged(BaseModel):
    model_config = ConfigDict(frozen=True)
    # The journey whose booking moved the receiver (for the log; the receiver re-reads the book).
    by: str
