"""`python -m bench.profile`: where a worker's CPU goes while journeys run, with pyinstrument.

pyinstrument samples one thread, and a worker uses two: the event loop (activities,
the event store, the client) and the workflow-task thread (workflow code in its
sandbox, the data converter). The worker here is `build_worker`'s, except that its
workflow tasks run on one thread that carries its own profiler. Both profiles are
written to bench/results/profile-*.txt and .html.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench import pathway
from bench.common import RESULTS, load, stopwatch
from journeys.client import JourneyClient
from journeys.logs import configure
from journeys.search_attributes import SEARCH_ATTRIBUTES
from journeys.settings import Settings
from journeys.temporal import connect
from store.factory import open_store
from tests.helpers.servers import dev_server_path
from worker import WORKFLOWS, activities_for, sandbox_runner

_local = threading.local()
ROOT = Path(__file__).resolve().parent.parent


def _start_thread_profiler() -> None:
    _local.profiler = Profiler(interval=0.0005, async_mode="disabled")
    _local.profiler.start()


def _stop_thread_profiler() -> Profiler:
    profiler: Profiler = _local.profiler
    profiler.stop()
    return profiler


def by_package(profiler: Profiler) -> dict[str, float]:
    """Seconds of self time per package (ours by top-level name, libraries by theirs)."""
    session = profiler.last_session
    assert session is not None
    totals: dict[str, float] = {}
    stack = [session.root_frame()]
    while stack:
        frame = stack.pop()
        if frame is None:
            continue
        stack.extend(frame.children)
        path = frame.file_path or ""
        if "site-packages/" in path:
            key = path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
        elif path.startswith(str(ROOT)):
            key = path[len(str(ROOT)) + 1 :].split("/", 1)[0].removesuffix(".py")
        elif path.startswith("<"):
            key = "(builtins)"
        else:
            key = "(stdlib) " + Path(path).stem
        totals[key] = (
            totals.get(key, 0.0)
            + frame.absorbed_time
            + (frame.time if not frame.children else frame.time - sum(c.time for c in frame.children))
        )
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def _save(profiler: Profiler, name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"profile-{name}.html").write_text(profiler.output_html())
    tree = profiler.output_text(unicode=False, color=False, show_all=False)
    flat = profiler.output(ConsoleRenderer(flat=True, show_all=True, unicode=False, color=False))
    packages = "\n".join(f"{secs:8.3f}  {pkg}" for pkg, secs in by_package(profiler).items())
    path = RESULTS / f"profile-{name}.txt"
    path.write_text(f"{tree}\n\nself time by package\n{packages}\n\nself time by function\n{flat}")
    return path


async def run(journeys: int, concurrency: int, day_seconds: float) -> None:
    configure("WARNING")
    workdir = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(), search_attributes=SEARCH_ATTRIBUTES, dev_server_log_level="error"
    ) as env:
        settings = Settings(
            temporal_address=env.client.service_client.config.target_host,
            task_queue=f"profile-{uuid.uuid4().hex[:6]}",
            database_url=f"sqlite+aiosqlite:///{workdir}/events.db",
        )
        client = await connect(settings)
        store = await open_store(settings.database_url)
        executor = ThreadPoolExecutor(1, initializer=_start_thread_profiler)
        worker = Worker(
            client,
            task_queue=settings.task_queue,
            workflows=WORKFLOWS,
            activities=activities_for(settings, store),
            workflow_runner=sandbox_runner(),
            workflow_task_executor=executor,
        )
        jc = JourneyClient(client, settings)
        async with worker:
            await pathway.complete(jc, day_seconds)  # warm-up, not profiled
            loop_profiler = Profiler(interval=0.0005, async_mode="disabled")
            loop_profiler.start()
            gate = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with gate:
                    await pathway.complete(jc, day_seconds)

            with stopwatch() as took:
                await asyncio.gather(*(one() for _ in range(journeys)))
            loop_profiler.stop()
            wf_profiler = await asyncio.get_running_loop().run_in_executor(executor, _stop_thread_profiler)
        await store.close()
    print(f"{journeys} journeys in {took[0]:.1f} s ({journeys / took[0]:.2f}/s), load {load()}")
    for name, profiler in (("event-loop", loop_profiler), ("workflow-thread", wf_profiler)):
        print(f"{name}: {_save(profiler, name)}")


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--journeys", type=int, default=40)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--day-seconds", type=float, default=60.0)
    args = p.parse_args()
    from starter.runner import run as run_cli

    run_cli(partial(run, args.journeys, args.concurrency, args.day_seconds)())


if __name__ == "__main__":
    main()
