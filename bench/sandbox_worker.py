"""`python -m bench.sandbox_worker`: a worker process for the sandbox memory figure.

Runs the journey workflow and `CarelessWorkflow` under one of three sandboxes: the
worker's own (`production`: the workflow module shared), the tests' (`strict`: the
workflow module re-imported per workflow) or a bad pass-through list that leaves the
database, store and activity modules out (`bad`), so the parent can read this process's
RSS per cached workflow.
"""

from __future__ import annotations

import argparse
import asyncio

from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from bench.careless_workflow import CarelessWorkflow
from journeys.logs import configure
from journeys.settings import Settings
from journeys.temporal import connect
from starter.runner import run
from store.factory import open_store
from worker import PASSTHROUGH, WORKFLOWS, activities_for, sandbox_runner

UNPASSED = ("sqlalchemy", "store", "activities", "asyncpg", "aiosqlite")


def runner(kind: str) -> SandboxedWorkflowRunner:
    if kind != "bad":
        return sandbox_runner(strict=kind == "strict")
    unpassed = (m for m in PASSTHROUGH if m not in UNPASSED)
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*unpassed))


async def serve(kind: str) -> int:
    settings = Settings()
    configure("WARNING")
    client = await connect(settings)
    store = await open_store(settings.database_url)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[*WORKFLOWS, CarelessWorkflow],
        activities=activities_for(settings, store),
        workflow_runner=runner(kind),
        max_cached_workflows=settings.max_cached_workflows,
    )
    async with worker:
        await asyncio.Event().wait()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runner", choices=("production", "strict", "bad"))
    run(serve(parser.parse_args().runner))


if __name__ == "__main__":
    main()
