"""What every milestone is: an id, when it happened, which stages accept it and who may report it.

A milestone kind is one class (its fields, `stages`, `reporters`, and `evolve`,
what the accepted fact changes in the journey state) plus one decision handler
(`domain.decision.handles`). Kinds are past-tense facts, so an accepted
milestone is recorded under its own kind in the event log. Extra fields are
refused: a typo in a clinical report must not be silently dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from domain.actors import Role
from domain.stages import OPEN_STAGES, Stage

if TYPE_CHECKING:
    from domain.state import JourneyState


def _not_a_number(value: object) -> object:
    # Lax pydantic reads 0 as 1970-01-01: a clinical time must be written out (ISO 8601 with offset).
    if isinstance(value, int | float):
        raise ValueError("occurred_at must be an ISO 8601 date-time with offset, not a number")
    return value


OccurredAt = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]
MilestoneId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
Coi = Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")]
Lot = Annotated[str, Field(min_length=1, max_length=64)]
Grade = Annotated[int, Field(ge=0, le=4)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
StaffId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@\-]+$")]

# Who reports what: clinical facts come only from the treating centre; the hub
# collects records and books arrival (either may report those); commercial acceptance is the hub's.
CENTRE: frozenset[Role] = frozenset({"centre"})
OPS: frozenset[Role] = frozenset({"ops"})
OPS_OR_CENTRE: frozenset[Role] = frozenset({"ops", "centre"})


class MilestoneBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # The stages in which the pathway accepts this kind; outside them it is `wrong_stage`.
    stages: ClassVar[frozenset[Stage]] = OPEN_STAGES
    # The roles that may report it; a centre only for its own patients.
    reporters: ClassVar[frozenset[Role]] = CENTRE
    # Whether it orders the pathway's clock: its occurred_at may not predate the previous
    # such milestone (monitoring and adverse events may be reported late for an earlier day).
    sequenced: ClassVar[bool] = True

    kind: str
    milestone_id: MilestoneId
    occurred_at: OccurredAt

    def digest(self) -> str:
        """Stable fingerprint of the body, to refuse a reused id with different content."""
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()

    def accepted_stages(self, state: JourneyState) -> frozenset[Stage]:
        """The stages that accept it for this journey (a kind may widen them by rules edition)."""
        return self.stages

    def evolve(self, state: JourneyState, at: datetime) -> Mapping[str, object]:
        """The state fields this accepted fact changes (the fold's part for this kind); none by default."""
        return {}
