"""Replaying captured histories: what a worker pays to rebuild a journey it no longer caches.

The journey's histories replay with the worker's own converter (codec included) and
sandbox; the baseline's with the SDK's defaults. Both sets come from the same run.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from bench.baseline import BaselineWorkflow
from bench.common import ratio, stopwatch
from journeys.settings import Settings
from journeys.temporal import data_converter
from worker import WORKFLOWS, sandbox_runner


async def _replay(replayer: Replayer, histories: list[WorkflowHistory], repeat: int) -> float:
    async def stream() -> Any:
        for _ in range(repeat):
            for h in histories:
                yield h

    with stopwatch() as took:
        await replayer.replay_workflows(stream(), raise_on_replay_failure=True)
    return took[0]


async def measure(
    journeys: list[WorkflowHistory],
    baselines: list[WorkflowHistory],
    *,
    codec: bool = True,
    repeat: int = 1,
    rounds: int = 2,
) -> dict[str, Any]:
    settings = Settings(codec_enabled=codec)
    # The codec binds each ciphertext to its namespace and workflow, so the replayer must
    # replay under the namespace the histories were recorded in.
    ours = Replayer(
        workflows=WORKFLOWS,
        workflow_runner=sandbox_runner(),
        data_converter=data_converter(settings),
        namespace=settings.temporal_namespace,
    )
    bare = Replayer(workflows=[BaselineWorkflow])
    # One history each first, so imports and sandbox set-up are not counted.
    await _replay(ours, journeys[:1], 1)
    await _replay(bare, baselines[:1], 1)
    sets = {"journey": (ours, journeys), "baseline": (bare, baselines)}
    took = {"journey": 0.0, "baseline": 0.0}
    for r in range(rounds):
        # Alternate which goes first, so a busy minute on the shared cores hits both alike.
        for name in ("journey", "baseline") if r % 2 == 0 else ("baseline", "journey"):
            replayer, hs = sets[name]
            took[name] += await _replay(replayer, hs, repeat)
    out: dict[str, Any] = {"repeat": repeat, "rounds": rounds}
    for name, (_, hs) in sets.items():
        n, events = len(hs) * repeat * rounds, sum(len(h.events) for h in hs) * repeat * rounds
        out[name] = {
            "histories": n,
            "events": events,
            "seconds": round(took[name], 3),
            "histories_per_s": round(n / took[name], 1),
            "events_per_s": round(events / took[name]),
        }
    out["ratio_histories_per_s"] = ratio(out["journey"]["histories_per_s"], out["baseline"]["histories_per_s"])
    return out
