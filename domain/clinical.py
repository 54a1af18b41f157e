"""Second-edition clinical rules (DESIGN §1a) that several handlers share.

Severity means something: critical for a wrong product, grade 4 toxicity or a death;
high for grade 3 toxicity; and one open alert per toxicity episode, raised again only
when the grade rises. Follow-up visits are matched to the schedule by their day.
"""

from __future__ import annotations

from domain.decision import Decision
from domain.errors import VisitDayMismatch, VisitOutOfWindow
from domain.stages import Outcome, Severity

# A centre may count the infusion day as day 1: a visit_day one off its occurred_at is accepted.
VISIT_DAY_TOLERANCE = 1


def toxicity_severity(grade: int) -> Severity:
    return Severity.CRITICAL if grade >= 4 else Severity.HIGH


def toxicity_alerts(d: Decision, crs: int, icans: int) -> None:
    """Alert once per episode, again only when the grade rises within it."""
    episodes = d.state.toxicity_episodes
    for name, grade in (("CRS", crs), ("ICANS", icans)):
        if grade >= d.policy.escalation_grade and grade > episodes.get(name.lower(), 0):
            d.alert(
                toxicity_severity(grade),
                f"{name.lower()}_grade_{grade}",
                f"{name} grade {grade} reported; escalate to the treating physician and ops",
                clinical=True,
            )


def death(d: Decision, cause: str) -> None:
    d.alert(Severity.CRITICAL, "death", f"death reported: {cause}", clinical=True)
    d.end(Outcome.DECEASED, cause)


def visit_for(d: Decision, visit_day: int, occurred_day: int | None) -> int:
    """The scheduled day a reported visit counts for, or a refusal saying why none."""
    if occurred_day is not None and abs(visit_day - occurred_day) > VISIT_DAY_TOLERANCE:
        raise VisitDayMismatch(f"visit_day {visit_day} but occurred_at falls on day {occurred_day} after infusion")
    window = d.policy.follow_up_window_days
    day = d.state.scheduled_visit(visit_day)
    if day is not None:
        return day
    still = ", ".join(f"day {day}" for day in d.state.open_visits()) or "none"
    raise VisitOutOfWindow(
        f"visit_day {visit_day} is not within {window:g} days of a scheduled visit still open ({still})"
    )
