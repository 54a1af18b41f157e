"""The worker process is SIGKILLed while journeys are in flight; a new one finishes every journey.

Real processes throughout: `journeys worker` with an SQLite event store, journeys
reported concurrently from this process, `kill -9` in the middle, a fresh worker.
"""

from __future__ import annotations

from domain.stages import Outcome
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.factory import open_store
from tests.faults.processes import until_worker_polls, worker_process
from tests.faults.support import PATHWAY, Figures, Walkers, assert_intact, start_journey

JOURNEYS = 6


async def test_a_worker_killed_mid_journey_loses_and_duplicates_nothing(local_env, task_queue, tmp_path):
    client = local_env.client
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
    jc = JourneyClient(client, Settings(task_queue=task_queue, codec_enabled=False))
    temporal = client.service_client.config.target_host
    workers = []

    async def new_worker():
        w = worker_process(
            tmp_path / f"worker-{len(workers) + 1}.log", database_url=url, task_queue=task_queue, temporal=temporal
        ).start()
        workers.append(w)
        await until_worker_polls(w, client, task_queue)
        return w

    try:
        worker = await new_worker()
        ids = [await start_journey(jc, f"kill-{task_queue}-{i}") for i in range(JOURNEYS)]
        walkers = Walkers(jc, ids).start()
        await walkers.until_steps(JOURNEYS * len(PATHWAY) // 3)
        worker.kill()
        in_flight = walkers.fault()
        await new_worker()
        await walkers.finish()
        finals = [await jc.handle(j).result() for j in ids]
    finally:
        for w in workers:
            w.stop()

    assert [f["outcome"] for f in finals] == [Outcome.COMPLETED.value] * JOURNEYS
    store = await open_store(url)
    try:
        logs = {j: await assert_intact(store, j) for j in ids}
    finally:
        await store.close()
    figures = Figures("worker SIGKILL mid-journey", in_flight=in_flight, recover_seconds=walkers.recover_seconds())
    figures.count(logs, expected_steps=len(PATHWAY))
    figures.notes = {"journeys": JOURNEYS, "events": sum(len(v) for v in logs.values())}
    figures.show()
    assert figures.lost == 0 and figures.duplicated == 0
    assert in_flight > 0, "the kill came after every journey had finished"
