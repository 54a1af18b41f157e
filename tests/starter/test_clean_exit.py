"""Every CLI run that talks to Temporal directly (`status --temporal`, an admin read) exits 0: the SDK's
shutdown abort (exit 134/139) never leaks."""

from __future__ import annotations

import asyncio
import os
import sys

from activities.recording import RecordingActivities
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.helpers.fakes import FakeOutsideWorld
from worker import build_worker

RUNS = 30


async def test_the_cli_exits_cleanly_thirty_times_in_a_row(local_env, task_queue):
    settings = Settings(task_queue=task_queue, codec_enabled=False)
    store = InMemoryEventStore()
    worker = build_worker(
        local_env.client,
        settings,
        store,
        task_queue=task_queue,
        activities=[RecordingActivities(store).record_events, *FakeOutsideWorld().activities()],
    )
    env = {
        **os.environ,
        "JOURNEYS_TEMPORAL_ADDRESS": local_env.client.service_client.config.target_host,
        "JOURNEYS_TASK_QUEUE": task_queue,
        "JOURNEYS_CODEC_ENABLED": "false",
    }
    async with worker:
        view = await JourneyClient(local_env.client, settings).start(
            patient_ref=f"exit-{task_queue}", centre_id="pku", product=None, actor="ops:test"
        )

        async def once() -> tuple[int, bytes]:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "starter.cli",
                "status",
                view.journey_id,
                "--temporal",
                "--json",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await proc.communicate()
            assert view.journey_id.encode() in out, err.decode()[-500:]
            return proc.returncode or 0, err

        codes = []
        for _ in range(RUNS // 3):
            codes += [code for code, _ in await asyncio.gather(once(), once(), once())]
    assert codes == [0] * RUNS
