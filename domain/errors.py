"""One exception family for every refusal, each carrying a reason a person can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from domain.events import Event


class JourneyRuleError(Exception):
    """A command the pathway refuses. `code` is stable for clients; `reason` is for people."""

    code: ClassVar[str] = "rule_violation"

    def __init__(self, reason: str, *, events: tuple[Event, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        # Events that must be recorded even though the command is refused
        # (a wrong-patient infusion attempt must leave a safety alert behind).
        self.events = events


class WrongStage(JourneyRuleError):
    code = "wrong_stage"


class JourneyEnded(JourneyRuleError):
    code = "journey_ended"


class CoiMismatch(JourneyRuleError):
    code = "coi_mismatch"


class MinimumStayNotReached(JourneyRuleError):
    code = "minimum_stay"


class DuplicateMilestone(JourneyRuleError):
    code = "duplicate_milestone"


class NotPermitted(JourneyRuleError):
    code = "not_permitted"


class InvalidMilestone(JourneyRuleError):
    code = "invalid_milestone"
