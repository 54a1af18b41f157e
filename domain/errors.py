"""One exception family for every refusal, each carrying a reason a person can act on.

`code` is read by programs, `reason` by people; the code says what happened
(a visit out of order is `out_of_sequence`, not `wrong_stage`). `category`
says what kind of refusal it is, and the API maps category to HTTP status
(DESIGN §4: conflict 409, forbidden 403, invalid 422, not_found 404), so a new
code needs no edit outside this module. `invalid` is only for what the command
alone shows to be wrong; a well-formed body that conflicts with the journey (its
stage, its clock, its COI) is a conflict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from domain.events import Event

Category = Literal["conflict", "forbidden", "invalid", "not_found"]


class JourneyRuleError(Exception):
    """A command the pathway refuses."""

    code: ClassVar[str] = "rule_violation"
    category: ClassVar[Category] = "conflict"

    def __init__(self, reason: str, *, events: tuple[Event, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        # Events that must be recorded even though the command is refused
        # (a wrong-patient infusion attempt must leave a safety alert behind).
        self.events = events


class WrongStage(JourneyRuleError):
    """The milestone belongs to another stage of the pathway than the one the journey is in."""

    code = "wrong_stage"


class OutOfSequence(JourneyRuleError):
    """Right stage, but a step within it comes before this one (visit order, estimate before eligibility)."""

    code = "out_of_sequence"


class AlreadyDecided(JourneyRuleError):
    """A decision that is taken once per journey was already taken."""

    code = "already_decided"


class ReapheresisLimit(JourneyRuleError):
    """Manufacturing asked for another re-apheresis beyond the policy's limit."""

    code = "reapheresis_limit"


class JourneyEnded(JourneyRuleError):
    """The journey has ended; no further changes are accepted."""

    code = "journey_ended"


class CoiMismatch(JourneyRuleError):
    """Chain-of-identity mismatch: refused, and a critical safety alert recorded."""

    code = "coi_mismatch"


class MinimumStayNotReached(JourneyRuleError):
    """Discharge before the minimum stay, or while toxicity is high, without `override_reason`."""

    code = "minimum_stay"


class DuplicateMilestone(JourneyRuleError):
    """A `milestone_id` reused with a different body."""

    code = "duplicate_milestone"


class NoOpenAlert(JourneyRuleError):
    """Acknowledging an alert that is not open on this journey (never raised, or already acknowledged)."""

    code = "no_open_alert"
    category = "not_found"


class OccurredAtOutOfRange(JourneyRuleError):
    """`occurred_at` lies outside what the journey's clock allows (in the future, for now)."""

    code = "occurred_at_out_of_range"


class LotMismatch(JourneyRuleError):
    """The bag's lot at the bedside is not the released lot: refused, with a critical alert."""

    code = "lot_mismatch"


class BedsideCheckIncomplete(JourneyRuleError):
    """Infusion reported without the bag's lot or without two different staff verifying it."""

    code = "bedside_check_incomplete"


class SignOffRequired(JourneyRuleError):
    """An out-of-specification product released without a physician's sign-off."""

    code = "sign_off_required"


class ToxicityActive(JourneyRuleError):
    """Discharge while the latest report shows CRS or ICANS at or above the policy's grade."""

    code = "toxicity_active"


class MonitoringStale(JourneyRuleError):
    """Discharge without a monitoring report within the last policy day."""

    code = "monitoring_stale"


class VisitOutOfWindow(JourneyRuleError):
    """A follow-up visit_day that is not within the window of any scheduled visit still open."""

    code = "visit_out_of_window"


class VisitDayMismatch(JourneyRuleError):
    """visit_day disagrees with the day after infusion on which occurred_at falls."""

    code = "visit_day_mismatch"


class UnknownProduct(JourneyRuleError):
    """Eligibility names a product that is not in the catalogue."""

    code = "unknown_product"


class NotPermitted(JourneyRuleError):
    """The actor may not give this command (another centre, ops reporting a clinical fact, a centre an ops command)."""

    code = "not_permitted"
    category = "forbidden"


class InvalidMilestone(JourneyRuleError):
    """The command itself is malformed (a withdrawal without a reason)."""

    code = "invalid_milestone"
    category = "invalid"


def refusal_classes() -> list[type[JourneyRuleError]]:
    found: list[type[JourneyRuleError]] = []
    pending: list[type[JourneyRuleError]] = [JourneyRuleError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def category_of(code: str) -> Category:
    """The category of a refusal code (unknown codes are conflicts, the safe default for a client)."""
    for cls in refusal_classes():
        if cls.code == code:
            return cls.category
    return "conflict"
