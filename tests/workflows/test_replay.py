"""Every committed history replays against today's workflow code; a careless change does not.

Histories come from `python -m tests.workflows.record_histories` (see the README:
"Replay tests and changing the workflow"). A failure here means journeys already
in flight would break on deploy: guard the change with `workflow.patched`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from tests.workflows.drifted import ExtraTimerFirst, ExtraTimerPatched
from worker import sandbox_runner
from workflows.journey import JourneyWorkflow
from workflows.surveillance import SurveillanceWorkflow

ROOT = Path(__file__).resolve().parent.parent / "histories"
# Current code's histories at the top; older generations (journeys still in flight when the
# workflow changed behind `workflow.patched`) in sub-folders, replayed just the same.
HISTORIES = sorted(ROOT.rglob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())


def name(path: Path) -> str:
    return str(path.relative_to(ROOT).with_suffix(""))


def replayer(workflow: type) -> Replayer:
    # The worker's own sandbox and converter: replay must see what production runs.
    return Replayer(
        workflows=[workflow],
        workflow_runner=sandbox_runner(),
        data_converter=pydantic_data_converter,
    )


def test_at_least_five_distinct_paths_are_recorded_from_the_current_code() -> None:
    paths = {p.name.split(".")[0] for p in ROOT.glob("*.json")}
    assert len(paths) >= 5, paths
    assert {"happy_path", "continue_as_new"} <= paths


# Each history replays against the workflow that recorded it (journeys and their surveillance).
RECORDED_BY = {w.__name__: w for w in (JourneyWorkflow, SurveillanceWorkflow)}


@pytest.mark.parametrize("path", HISTORIES, ids=name)
async def test_a_recorded_history_replays_against_the_current_workflow(path: Path) -> None:
    history = load(path)
    kind = history.events[0].workflow_execution_started_event_attributes.workflow_type.name
    await replayer(RECORDED_BY[kind]).replay_workflow(history)


async def test_a_non_deterministic_change_fails_replay() -> None:
    result = await replayer(ExtraTimerFirst).replay_workflow(
        load(ROOT / "happy_path.json"), raise_on_replay_failure=False
    )
    assert isinstance(result.replay_failure, NondeterminismError)


@pytest.mark.parametrize("path", [p for p in HISTORIES if p.stem in ("happy_path", "continue_as_new.run2")], ids=name)
async def test_the_same_change_behind_workflow_patched_replays(path: Path) -> None:
    await replayer(ExtraTimerPatched).replay_workflow(load(path))
