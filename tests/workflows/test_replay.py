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

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())


def replayer(workflow: type) -> Replayer:
    # The worker's own sandbox and converter: replay must see what production runs.
    return Replayer(workflows=[workflow], workflow_runner=sandbox_runner(),
                    data_converter=pydantic_data_converter)


def test_at_least_five_distinct_paths_are_recorded() -> None:
    paths = {p.name.split(".")[0] for p in HISTORIES}
    assert len(paths) >= 5, paths
    assert {"happy_path", "continue_as_new"} <= paths


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_a_recorded_history_replays_against_the_current_workflow(path: Path) -> None:
    await replayer(JourneyWorkflow).replay_workflow(load(path))


async def test_a_non_deterministic_change_fails_replay() -> None:
    result = await replayer(ExtraTimerFirst).replay_workflow(
        load(HISTORIES[0]), raise_on_replay_failure=False)
    assert isinstance(result.replay_failure, NondeterminismError)


async def test_the_same_change_behind_workflow_patched_replays() -> None:
    replay = replayer(ExtraTimerPatched)
    for path in HISTORIES:
        await replay.replay_workflow(load(path))
