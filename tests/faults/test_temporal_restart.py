"""The Temporal dev server (file persistence) is SIGKILLed and restarted; journeys resume.

The server is our own child process with a SQLite file, so the kill is real and
the restart reads back what it had persisted. The worker stays up throughout and
reconnects by itself.
"""

from __future__ import annotations

import asyncio

from domain.stages import Outcome
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.factory import open_store
from tests.faults.processes import dev_server, free_port, until_server_answers
from tests.faults.support import PATHWAY, Figures, Walkers, assert_intact, start_journey
from worker import build_worker

JOURNEYS = 4
DOWN_SECONDS = 2.0


async def test_journeys_in_flight_survive_a_temporal_server_kill_and_restart(task_queue, tmp_path):
    port = free_port()
    address = f"127.0.0.1:{port}"
    servers = []

    def spawn():
        server = dev_server(
            tmp_path / f"temporal-{len(servers) + 1}.log", db_file=tmp_path / "temporal.db", port=port
        ).start()
        servers.append(server)
        return server

    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}")
    try:
        client = await until_server_answers(spawn(), address)
        settings = Settings(task_queue=task_queue, codec_enabled=False, temporal_address=address)
        jc = JourneyClient(client, settings)
        async with build_worker(client, settings, store):
            ids = [await start_journey(jc, f"srv-{task_queue}-{i}") for i in range(JOURNEYS)]
            walkers = Walkers(jc, ids).start()
            await walkers.until_steps(JOURNEYS * len(PATHWAY) // 3)
            servers[-1].kill()
            in_flight = walkers.fault()
            await asyncio.sleep(DOWN_SECONDS)
            await until_server_answers(spawn(), address)
            await walkers.finish()
            finals = [await jc.handle(j).result() for j in ids]
        logs = {j: await assert_intact(store, j) for j in ids}
    finally:
        await store.close()
        for s in servers:
            s.stop()

    assert [f["outcome"] for f in finals] == [Outcome.COMPLETED.value] * JOURNEYS
    figures = Figures(
        "Temporal dev server SIGKILL + restart", in_flight=in_flight, recover_seconds=walkers.recover_seconds()
    )
    figures.count(logs, expected_steps=len(PATHWAY))
    figures.notes = {"server down for": f"{DOWN_SECONDS:.0f}s + restart", "events": sum(len(v) for v in logs.values())}
    figures.show()
    assert figures.lost == 0 and figures.duplicated == 0
    assert in_flight > 0, "the kill came after every journey had finished"
