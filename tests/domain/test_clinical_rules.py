"""The second edition's clinical rules (DESIGN §1a), one table per rule, as a clinician would read them.

Each row is a short story told to a journey (`Pathway(edition=2)`, pure: no server) and what the
pathway must answer: the events it records, or the refusal code. Times are the centre's clock
(Asia/Shanghai); `T0` is 5 January 2026, 17:00 in Beijing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from domain import events as ev
from domain.effects import Compensate, SafetyAlert, effects_of, to_cancel
from domain.errors import JourneyRuleError
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage
from tests.helpers.pathway import COI, Pathway, alerts, kinds

HOURS = timedelta(hours=1)


def journey(**policy: Any) -> Pathway:
    return Pathway(
        PathwayPolicy(**policy),
        edition=2,
        catalogue={"axi-cel": PathwayPolicy(), "eque-cel": PathwayPolicy(min_stay_days=10)},
    )


def infused(p: Pathway | None = None) -> Pathway:
    return (p or journey()).to_stay()


def discharge_ready(p: Pathway, day: int = 14) -> Pathway:
    assert p.state.infused_at
    p.later((p.state.infused_at + p.policy.days(day) - p.now) / p.policy.days(1))
    p.report("monitoring_reported", crs_grade=0, icans_grade=0)
    return p


def to_day(p: Pathway, day: float) -> Pathway:
    """Move the clock to `day` after the infusion, firing every deadline on the way."""
    assert p.state.infused_at
    return p.later((p.state.infused_at + p.policy.days(day) - p.now) / p.policy.days(1))


def refused_code(p: Pathway, kind: str, **fields: Any) -> str:
    err = p.refuse(kind, **fields)
    assert isinstance(err, JourneyRuleError)
    return err.code


# -- 1. The clinical clock: day counts run from when it happened, day N is a calendar day -----------


def test_an_infusion_reported_three_days_late_counts_its_stay_from_the_infusion() -> None:
    p = journey().to_infusion()
    happened = p.now
    p.later(3).report("infusion_completed", occurred_at=happened, **p.bedside())
    assert p.state.infused_at == happened
    # Day 14 after the infusion itself, not after the report, allows discharge.
    discharge_ready(p, 14).report("discharged")
    assert p.state.stage is Stage.FOLLOW_UP


def test_day_n_is_a_calendar_day_in_the_centres_zone() -> None:
    p = journey().to_infusion()
    # Infused at 18:00 Beijing; discharged at 09:00 on the 14th calendar day after: day 14, not 13.
    p.now = p.now.replace(hour=10)  # 18:00 +08:00
    p.report("infusion_completed", **p.bedside())
    p.now = p.now + timedelta(days=13, hours=15)  # 09:00 +08:00, calendar day 14
    p.report("monitoring_reported", crs_grade=0, icans_grade=0)
    assert kinds(p.report("discharged")) == ["discharged", "stage_entered"]


@pytest.mark.parametrize(
    ("story", "when", "code"),
    [
        ("a report from the future", +1 * HOURS, "occurred_at_out_of_range"),
        ("a report eight days late", -8 * 24 * HOURS, "occurred_at_out_of_range"),
        ("a report dated before the previous milestone", -2 * HOURS, "occurred_at_out_of_range"),
    ],
)
def test_occurred_at_has_bounds(story: str, when: timedelta, code: str) -> None:
    p = journey().to_teleconsult()
    p.now = p.now + 1 * HOURS
    assert refused_code(p, "teleconsult_completed", outcome="proceed", occurred_at=p.now + when) == code, story


# -- 2. No journey waits on nothing ----------------------------------------------------------------


def test_a_missed_visit_is_recorded_and_later_visits_still_count() -> None:
    p = discharge_ready(infused())
    p.report("discharged")
    to_day(p, 30 + 14 + 1)  # the day-30 window passes
    assert "follow_up_missed" in kinds(p.events) and p.state.missed_visits == (30,)
    assert p.state.overdue
    to_day(p, 90).report("follow_up_recorded", visit_day=90, response="CR")
    assert p.state.follow_ups == {90: "CR"} and not p.state.ended


def test_when_the_last_window_passes_with_nothing_recorded_the_journey_is_lost_to_follow_up() -> None:
    p = discharge_ready(infused())
    p.report("discharged")
    p.later(365 + 14 + 2)
    assert p.state.outcome is Outcome.LOST_TO_FOLLOW_UP
    assert [e.visit_day for e in p.events if isinstance(e, ev.FollowUpMissed)] == [30, 90, 180, 365]


@pytest.mark.parametrize(
    ("story", "on_day", "visit_day", "code"),
    [
        ("four visits all on day 15: the first is not near any scheduled visit", 15, 15, "visit_out_of_window"),
        ("visit_day says 30 but the visit happened on day 40", 40, 30, "visit_day_mismatch"),
    ],
)
def test_a_visit_day_must_match_the_calendar_and_a_window(story: str, on_day: int, visit_day: int, code: str) -> None:
    p = discharge_ready(infused())
    p.report("discharged")
    assert p.state.infused_at
    p.later((p.state.infused_at + p.policy.days(on_day) - p.now) / p.policy.days(1))
    assert refused_code(p, "follow_up_recorded", visit_day=visit_day, response="CR") == code, story


def test_screening_with_no_eligibility_decision_escalates() -> None:
    p = journey().to_screening().later(15)
    [alert] = alerts(p.events)
    assert alert.code == "screening_escalate" and alert.severity is Severity.WARNING and p.state.overdue


# -- 3. Severity means something ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("story", "reports", "expected"),
    [
        ("grade 3 CRS", [(3, 0)], [(Severity.HIGH, "crs_grade_3")]),
        ("grade 4 ICANS", [(0, 4)], [(Severity.CRITICAL, "icans_grade_4")]),
        (
            "grade 3 CRS three days running: one alert for the episode",
            [(3, 0), (3, 0), (3, 0)],
            [(Severity.HIGH, "crs_grade_3")],
        ),
        (
            "grade 3 then 4: raised again because the grade rose",
            [(3, 0), (4, 0)],
            [(Severity.HIGH, "crs_grade_3"), (Severity.CRITICAL, "crs_grade_4")],
        ),
        (
            "grade 3, resolved, grade 3 again: a new episode",
            [(3, 0), (1, 0), (3, 0)],
            [(Severity.HIGH, "crs_grade_3"), (Severity.HIGH, "crs_grade_3")],
        ),
        ("grade 2: watched, not escalated", [(2, 2)], []),
    ],
)
def test_toxicity_alerts_once_per_episode(story: str, reports: list[tuple[int, int]], expected: list[Any]) -> None:
    p = infused()
    for crs, icans in reports:
        p.later(1).report("monitoring_reported", crs_grade=crs, icans_grade=icans)
    raised = [(a.severity, a.code) for a in alerts(p.events)]
    assert raised == expected, story
    assert all(a.clinical for a in alerts(p.events))


def test_only_clinical_critical_and_high_alerts_page_safety() -> None:
    p = infused()
    p.later(1).report("monitoring_reported", crs_grade=4, icans_grade=0)
    toxic = alerts(p.events)[-1]
    assert isinstance(effects_of(toxic, 9, p.state)[0], SafetyAlert)
    records = journey().later(15)
    [late] = alerts(records.events)
    assert late.severity is Severity.WARNING
    assert [e.kind for e in effects_of(late, 3, records.state)] == ["notify"]


# -- 4. Discharge is toxicity-aware ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("story", "last_report", "report_age_days", "code"),
    [
        ("CRS grade 2 in the latest report", (2, 0), 0, "toxicity_active"),
        ("ICANS grade 3 in the latest report", (0, 3), 0, "toxicity_active"),
        ("no report in the last day", (0, 0), 2, "monitoring_stale"),
    ],
)
def test_discharge_is_refused_while_toxicity_is_active(
    story: str, last_report: tuple[int, int], report_age_days: float, code: str
) -> None:
    p = infused().later(14)
    p.report("monitoring_reported", crs_grade=last_report[0], icans_grade=last_report[1])
    p.later(report_age_days)
    assert refused_code(p, "discharged") == code, story
    p.report("discharged", override_reason="physician's decision, daily calls")
    assert p.state.stage is Stage.FOLLOW_UP and alerts(p.events)[-1].code == "discharge_override"


def test_discharge_with_no_monitoring_at_all_is_refused() -> None:
    assert refused_code(infused().later(14), "discharged") == "monitoring_stale"


# -- 5. After discharge, toxicity and adverse events are still reported ------------------------------


def test_delayed_icans_after_discharge_is_accepted_and_escalates() -> None:
    p = discharge_ready(infused())
    p.report("discharged")
    p.later(5).report("monitoring_reported", crs_grade=0, icans_grade=3)
    p.report("adverse_event_reported", term="neutropenic fever", grade=3)
    assert [a.code for a in alerts(p.events)][-2:] == ["icans_grade_3", "adverse_event"]


# -- 6. Death in every stage --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "walk",
    [
        "records",
        "to_screening",
        "to_travel",
        "to_apheresis",
        "reapheresis",
        "to_manufacturing",
        "to_infusion",
        "to_stay",
        "follow_up",
    ],
)
def test_a_death_is_accepted_in_every_stage_alerts_critically_and_ends_the_journey(walk: str) -> None:
    p = journey()
    if walk == "reapheresis":
        p.to_manufacturing().report("manufacturing_failed", reason="low yield", next="reapheresis")
    elif walk == "follow_up":
        discharge_ready(infused(p)).report("discharged")
    elif walk != "records":
        getattr(p, walk)()
    p.report("death_reported", cause="cardiac arrest")
    assert p.state.outcome is Outcome.DECEASED
    death = alerts(p.events)[-1]
    assert (death.severity, death.clinical) == (Severity.CRITICAL, True)


def test_a_grade_5_adverse_event_during_re_apheresis_is_a_death() -> None:
    p = journey().to_manufacturing()
    p.report("manufacturing_failed", reason="contaminated", next="reapheresis")
    p.report("adverse_event_reported", term="sepsis", grade=5)
    assert p.state.outcome is Outcome.DECEASED and "grade 5" in (p.state.end_reason or "")


# -- 7. Out of specification, and the bedside check --------------------------------------------------


def test_an_out_of_spec_product_needs_a_physicians_sign_off() -> None:
    p = journey().to_manufacturing()
    p.report("manufacturing_failed", reason="low viability", next="out_of_spec")
    assert refused_code(p, "product_released", coi=COI, lot="L-OOS") == "sign_off_required"
    p.report("product_released", coi=COI, lot="L-OOS", out_of_spec_approved_by="dr-wang")
    assert p.state.out_of_spec_approved_by == "dr-wang"


def test_a_re_apheresis_clears_the_out_of_spec_flag() -> None:
    p = journey().to_manufacturing()
    p.report("manufacturing_failed", reason="low viability", next="out_of_spec")
    p.report("manufacturing_failed", reason="second look failed too", next="reapheresis")
    p.report("apheresis_completed", coi=COI)
    assert not p.state.out_of_spec
    p.report("product_released", coi=COI, lot="L-NEW")  # no sign-off needed for the new product


@pytest.mark.parametrize(
    ("story", "fields", "code"),
    [
        ("no lot read at the bedside", {"verified_by": ["rn-a", "rn-b"]}, "bedside_check_incomplete"),
        ("one nurse twice", {"lot": "LOT-1", "verified_by": ["rn-a", "rn-a"]}, "bedside_check_incomplete"),
        ("another lot", {"lot": "LOT-2", "verified_by": ["rn-a", "rn-b"]}, "lot_mismatch"),
    ],
)
def test_the_bedside_check(story: str, fields: dict[str, Any], code: str) -> None:
    p = journey().to_infusion()
    if code == "lot_mismatch":
        with pytest.raises(JourneyRuleError) as refused:
            p.decide(p.milestone("infusion_completed", coi=COI, **fields))
        assert refused.value.code == code
        [alert] = [e for e in refused.value.events if isinstance(e, ev.AlertRaised)]
        assert alert.severity is Severity.CRITICAL
        return
    assert refused_code(p, "infusion_completed", coi=COI, **fields) == code, story


# -- 8. Compensation cancels only what is still ahead -------------------------------------------------


def booked(p: Pathway, *items: str) -> Pathway:
    for n, item in enumerate(items):
        p.apply([ev.BookingMade(item=item, reference=f"R{n}", occurred_at=p.now, actor="system")])
    return p


@pytest.mark.parametrize(
    ("story", "ending", "cancelled"),
    [
        (
            "withdrawn while travelling: every travel booking, newest first",
            "withdraw_in_travel",
            ["interpreter", "accommodation", "flight"],
        ),
        ("withdrawn in follow-up: nothing, it was all used", "withdraw_in_follow_up", []),
        ("died before admission", "death_in_travel", ["interpreter", "accommodation", "flight"]),
        ("estimate lapsed: nothing was booked yet", "lapse", []),
    ],
)
def test_every_ending_cancels_the_unused_bookings_only(story: str, ending: str, cancelled: list[str]) -> None:
    p = journey()
    if ending == "lapse":
        p.to_estimate().later(22)
    elif ending == "withdraw_in_follow_up":
        p = booked(p.to_travel(), "flight", "accommodation", "interpreter")
        p.report("patient_admitted")
        p.report("apheresis_completed", coi=COI)
        p.later(18).report("product_released", coi=COI, lot="LOT-1")
        p.report("infusion_completed", **p.bedside())
        discharge_ready(p).report("discharged")
        p.withdraw()
    else:
        booked(p.to_travel(), "flight", "accommodation", "interpreter")
        p.withdraw() if ending.startswith("withdraw") else p.report("death_reported", cause="stroke")
    assert p.state.ended
    ended = next(e for e in reversed(p.events) if isinstance(e, ev.JourneyEnded))
    assert any(isinstance(x, Compensate) for x in effects_of(ended, 99, p.state)), story
    assert [b.item for b in to_cancel(p.state)] == cancelled, story


# -- 9. Policy values are checked ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("story", "values"),
    [
        ("a negative duration", {"records_remind_days": -1}),
        ("an escalation grade of 4 would silence grade 3", {"escalation_grade": 4}),
        ("five re-aphereses", {"max_reapheresis": 5}),
    ],
)
def test_implausible_policies_are_refused(story: str, values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PathwayPolicy(**values)


def test_a_product_first_named_at_eligibility_must_be_in_the_catalogue_and_brings_its_policy() -> None:
    p = journey().to_screening()
    assert refused_code(p, "eligibility_decided", eligible=True, product="not-a-product") == "unknown_product"
    events = p.report("eligibility_decided", eligible=True, product="eque-cel", estimate_usd=90_000)
    assert "policy_resolved" in kinds(events)
    assert p.state.product == "eque-cel" and p.state.policy.min_stay_days == 10


def test_a_visit_a_few_days_off_schedule_counts_for_its_scheduled_visit() -> None:
    p = discharge_ready(infused())
    p.report("discharged")
    to_day(p, 33).report("follow_up_recorded", visit_day=33, response="CR")
    assert p.state.follow_ups == {30: "CR"}
    to_day(p, 50)
    assert p.state.missed_visits == ()  # the day-30 visit happened, three days late: not missed
