"""The benchmark's set-up, checked without timing anything: the baseline copies a real
journey's shape, the compressed policy arms timers that cannot fire in a run, and the
options parse."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory

from bench import pathway
from bench.baseline import Shape, fired_timers, shape_of
from bench.main import QUICK, SECTIONS, parse
from domain import timers
from tests.helpers.pathway import Pathway

HAPPY = Path(__file__).resolve().parent.parent / "histories" / "happy_path.json"


def test_the_baseline_shape_counts_a_journeys_updates_timers_activities_and_upserts() -> None:
    history = WorkflowHistory.from_json("happy", HAPPY.read_text())
    shape = shape_of(history)
    kinds = [e.WhichOneof("attributes") for e in history.events]
    assert shape.updates == kinds.count("workflow_execution_update_accepted_event_attributes") > 0
    assert shape.timers == kinds.count("timer_started_event_attributes") > 0
    assert shape.activities + shape.local_activities > 0
    assert fired_timers(history) == kinds.count("timer_fired_event_attributes")


def test_the_full_journey_ends_completed_with_every_deadline_minutes_away_at_a_minute_a_day() -> None:
    p = Pathway(pathway.compressed_policy(day_seconds=60))
    for kind, fields in pathway.FULL_JOURNEY:
        due = timers.next_deadline(p.state)
        # A benchmark journey takes seconds: no timer may fall due while it runs.
        assert due is None or due.due_at - p.now >= timedelta(minutes=5), (kind, due)
        p.report(kind, actor=pathway.actor_for(kind), **fields)
    assert p.state.ended and str(p.state.outcome) == "completed"


def test_quick_fills_every_unset_option_and_keeps_the_ones_given() -> None:
    args = parse(["--quick", "--journeys", "3"])
    assert args.journeys == 3
    assert args.latency_samples == QUICK["latency_samples"]
    assert args.only == list(SECTIONS)
    assert args.memory_counts == [100, 300]


def test_a_shape_is_plain_data_the_baseline_workflow_takes_as_input() -> None:
    assert Shape(updates=1, timers=0, activities=0, local_activities=0, upserts=0).updates == 1
