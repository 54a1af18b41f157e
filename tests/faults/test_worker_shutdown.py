"""SIGTERM to a worker: it stops polling, lets the activity in flight finish, and exits 0.

The worker is a real `journeys worker` process whose centre booking hangs for a few
seconds at a real HTTP fake centre when SIGTERM arrives. Without a grace period the
SDK would cancel the booking at once and Temporal would retry it on another worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx

from journeys.client import JourneyClient
from journeys.settings import Settings
from journeys.temporal import workflow_id
from tests.faults.processes import Child, free_port, until_worker_polls
from tests.faults.support import NO_TIMERS, milestone
from tests.helpers.fake_centre import FakeCentre


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def test_sigterm_drains_the_worker_and_the_booking_in_flight_completes(local_env, task_queue, tmp_path: Path):
    health = free_port()
    with FakeCentre() as centre:
        env = {
            **os.environ,
            "JOURNEYS_TEMPORAL_ADDRESS": local_env.client.service_client.config.target_host,
            "JOURNEYS_TASK_QUEUE": task_queue,
            "JOURNEYS_CODEC_ENABLED": "false",
            "JOURNEYS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/events.db",
            "JOURNEYS_CENTRE_URLS": json.dumps({"*": centre.url}),
            "JOURNEYS_NOTIFY_URL": centre.url,
            "JOURNEYS_HEALTH_PORT": str(health),
            "JOURNEYS_WORKER_SHUTDOWN_SECONDS": "30",
            "JOURNEYS_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        worker = Child("worker", [sys.executable, "-m", "starter.cli", "worker"], tmp_path / "worker.log", env).start()
        try:
            await until_worker_polls(worker, local_env.client, task_queue)
            assert await asyncio.to_thread(_ready, f"http://127.0.0.1:{health}/readyz"), worker.tail()
            settings = Settings(task_queue=task_queue, codec_enabled=False)
            jc = JourneyClient(local_env.client, settings)
            journey = (
                await jc.start(
                    patient_ref=f"drain-{task_queue}",
                    centre_id="pku",
                    product=None,
                    actor="ops:test",
                    policy_overrides=NO_TIMERS,
                )
            ).journey_id
            # The teleconsult slot booking that records_received triggers: booked, answered 4 s later.
            centre.hang_next(1, seconds=4, path="/bookings")
            await jc.report(journey, milestone(journey, 0), "ops:test")
            deadline = time.monotonic() + 60
            while not centre.requests("/bookings"):
                assert time.monotonic() < deadline, worker.tail()
                await asyncio.sleep(0.05)

            assert worker.proc is not None
            worker.proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(worker.proc.wait, 60)
            assert code == 0, worker.tail()
        finally:
            worker.kill()

    log = worker.tail(20000)
    assert "worker stopping" in log and "worker stopped" in log and "Traceback" not in log
    # The booking finished inside the grace period: completed on its first attempt, sent once.
    handle = local_env.client.get_workflow_handle(workflow_id(journey))
    completed = [
        e async for e in handle.fetch_history_events() if e.HasField("activity_task_completed_event_attributes")
    ]
    scheduled = {
        e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
        async for e in handle.fetch_history_events()
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    booked = [
        e for e in completed if scheduled[e.activity_task_completed_event_attributes.scheduled_event_id] == "book"
    ]
    assert booked, "the booking in flight at SIGTERM did not complete"
    assert len(centre.requests("/bookings")) == 1
