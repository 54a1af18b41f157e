"""Planned versus actual stage dates (domain/plan.py): pure, so no server and no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.plan import plan, stage_days
from domain.policy import PathwayPolicy
from domain.stages import Stage
from tests.api.scenarios import SyntheticJourney

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def test_the_baseline_chains_each_stages_policy_duration_from_the_start() -> None:
    p = plan(SyntheticJourney("J1", "pku", T0).state, T0)
    policy = PathwayPolicy()
    records, teleconsult = p.stages[0], p.stages[1]
    assert records.planned_start == T0 and records.planned_end == T0 + days(policy.records_expected_days)
    assert records.late_at == T0 + days(policy.records_escalate_days)
    assert teleconsult.planned_start == records.planned_end
    manufacturing = next(s for s in p.stages if s.stage is Stage.MANUFACTURING)
    assert manufacturing.planned_end - manufacturing.planned_start == days(policy.manufacturing_expected_days)
    assert [s.stage for s in p.stages] == [s for s in Stage if s is not Stage.ENDED]


def test_a_fresh_journey_is_current_in_records_and_forecasts_the_rest_from_now() -> None:
    p = plan(SyntheticJourney("J1", "pku", T0).state, T0 + days(2))
    assert [s.status for s in p.stages[:3]] == ["current", "upcoming", "upcoming"]
    assert p.stages[0].forecast_end == T0 + days(7)
    assert p.stages[1].forecast_start == p.stages[0].forecast_end
    assert p.behind_days == 0


def test_a_stage_overrunning_its_plan_pushes_the_forecast_and_shows_as_behind() -> None:
    journey = SyntheticJourney("J1", "pku", T0).advance(12)
    p = plan(journey.state, T0 + days(12))
    assert p.stages[0].forecast_end == T0 + days(12)
    assert p.stages[0].variance_days == 5 and p.behind_days == 5
    assert p.stages[1].forecast_start == T0 + days(12)


def test_done_stages_carry_their_actual_dates_and_slip_against_the_baseline() -> None:
    journey = SyntheticJourney("J1", "pku", T0).to_manufacturing("COI-PLAN")
    p = plan(journey.state, journey.clock)
    records = p.stages[0]
    assert records.status == "done" and records.actual[0].start == T0 and records.actual[0].end == T0 + days(5)
    assert records.variance_days == -2
    manufacturing = next(s for s in p.stages if s.stage is Stage.MANUFACTURING)
    assert manufacturing.status == "current" and manufacturing.actual[0].end is None
    assert all(s.status == "done" for s in p.stages[:5])


def test_a_loop_back_keeps_both_visits_and_the_skipped_stage_stays_upcoming() -> None:
    journey = (
        SyntheticJourney("J1", "pku", T0)
        .report("records_received", 3)
        .report("teleconsult_completed", 4, outcome="more_records")
    )
    p = plan(journey.state, journey.clock)
    records, teleconsult = p.stages[0], p.stages[1]
    assert records.status == "current" and len(records.actual) == 2
    assert teleconsult.status == "upcoming" and len(teleconsult.actual) == 1
    assert teleconsult.forecast_start is not None


def test_an_ended_journey_has_no_forecast_and_marks_stages_it_never_reached() -> None:
    journey = (
        SyntheticJourney("J1", "pku", T0)
        .report("records_received", 3)
        .report("teleconsult_completed", 4, outcome="not_candidate")
    )
    p = plan(journey.state, journey.clock + days(30))
    assert p.ended_at == T0 + days(7) and p.outcome == "ineligible"
    assert [s.status for s in p.stages[:3]] == ["done", "done", "not_reached"]
    assert all(s.forecast_end is None for s in p.stages)


def test_follow_up_visits_are_due_after_infusion_and_carry_their_responses() -> None:
    journey = SyntheticJourney("J1", "pku", T0).to_manufacturing("COI-V")
    journey.report("product_released", 20, coi="COI-V", lot="L1").report("infusion_completed", 2, coi="COI-V")
    infused = journey.clock
    journey.report("discharged", 15).report("follow_up_recorded", 15, visit_day=30, response="PR")
    p = plan(journey.state, journey.clock)
    assert [v.day for v in p.visits] == [30, 90, 180, 365]
    assert p.visits[0].due_at == infused + days(30) and p.visits[0].response == "PR"
    assert p.visits[1].response is None
    follow_up = p.stages[-1]
    assert follow_up.status == "current" and follow_up.forecast_end == infused + days(365)


def test_compressed_demo_days_compress_the_plan_too() -> None:
    fast = PathwayPolicy(day_seconds=0.25)
    p = plan(SyntheticJourney("J1", "pku", T0, policy=fast).state, T0)
    assert p.stages[0].planned_end - T0 == timedelta(seconds=7 * 0.25)
    assert stage_days(fast, Stage.STAY) == (fast.min_stay_days, fast.max_stay_days)
