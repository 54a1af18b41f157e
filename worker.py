"""The only place that registers workflows and activities."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import httpx
import structlog
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.capacity import CapacityActivities
from activities.centres import CentreActivities
from activities.mail import mail_config
from activities.notifications import NotificationActivities
from activities.recording import RecordingActivities
from journeys import reference_data
from journeys.personal_data import patient_data_vault
from journeys.settings import Settings, get_settings
from store.base import EventStore
from store.capacity import capacity_store_for
from workflows.journey import JourneyWorkflow
from workflows.surveillance import SurveillanceWorkflow

log = structlog.get_logger(__name__)

WORKFLOWS = [JourneyWorkflow, SurveillanceWorkflow]

# Workflow/activity context goes into structured fields (temporal_workflow / temporal_activity),
# not glued onto the message, so JSON log lines stay machine-readable.
workflow.logger.workflow_info_on_message = False
activity.logger.activity_info_on_message = False

# Loaded once, shared by every workflow: re-importing these per workflow costs
# tens of MB each, and asyncpg >= 0.31 crashes when imported twice (DESIGN §8).
PASSTHROUGH = (
    "pydantic",
    "pydantic_core",
    "domain",
    "activities",
    "journeys",
    "store",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "structlog",
    "httpx",
    "cryptography",
)


def sandbox_runner(strict: bool | None = None) -> SandboxedWorkflowRunner:
    """The sandbox every journey runs in.

    By default `workflows` is passed through too: the journey module is loaded once and
    shared instead of being re-imported into each workflow's sandbox, which bench/ measures
    at about 50 KiB less per cached workflow and 20% more journeys/s on 2 cores. That gives
    up the sandbox's run-time check of the workflow module's own calls (wall clock,
    randomness, I/O), so the tests run strict (JOURNEYS_STRICT_SANDBOX=1, set by
    tests/conftest.py), where the module is re-imported and checked in every workflow.
    """
    if strict is None:
        strict = get_settings().strict_sandbox
    modules = PASSTHROUGH if strict else (*PASSTHROUGH, "workflows")
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*modules))


def activities_for(settings: Settings, store: EventStore) -> list[Callable[..., Any]]:
    recording = RecordingActivities(store, patient_data_vault(settings, store).seal)
    http = httpx.AsyncClient(timeout=httpx.Timeout(settings.http_timeout_seconds))
    centres = CentreActivities(settings.centre_urls, http)
    notes = NotificationActivities(
        settings.notify_url,
        http,
        mail_config=mail_config(settings),
        centre_zone=reference_data.centre_time_zone,
        centre_name=reference_data.centre_name,
    )
    capacity = CapacityActivities(capacity_store_for(store, reference_data.capacities(settings.capacity_file)))
    return [
        recording.record_events,
        centres.book,
        centres.cancel_booking,
        notes.notify,
        notes.raise_safety_alert,
        capacity.capacity,
    ]


def build_worker(
    client: Client,
    settings: Settings,
    store: EventStore,
    *,
    task_queue: str | None = None,
    activities: Sequence[Callable[..., Any]] | None = None,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities if activities is not None else activities_for(settings, store),
        workflow_runner=sandbox_runner(settings.strict_sandbox),
        max_cached_workflows=settings.max_cached_workflows,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_shutdown_seconds),
    )


async def main(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run until SIGTERM or SIGINT (or `stop`), then drain and return 0.

    Draining: the worker stops polling, in-flight activities get
    `JOURNEYS_WORKER_SHUTDOWN_SECONDS` to finish (then they are cancelled and Temporal
    retries them elsewhere), workflow tasks are simply handed back. Raises
    `RuntimeError` when Temporal cannot be reached at start.
    """
    from journeys import tracing
    from journeys.health import Probe, health_app, serve_health
    from journeys.temporal import connect, metrics_runtime
    from store.factory import open_store

    tracing.configure(settings, "cart-journeys-worker")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    client = await connect(settings, runtime=metrics_runtime(settings))
    store = await open_store(settings.database_url)
    probe = Probe(client, store)
    health = (
        asyncio.create_task(serve_health(health_app(probe), settings.health_host, settings.health_port, stop))
        if settings.health_port
        else None
    )
    try:
        async with build_worker(client, settings, store):
            probe.polling = True
            log.info(
                "worker started",
                task_queue=settings.task_queue,
                address=settings.temporal_address,
                metrics_port=settings.metrics_port,
                health_port=settings.health_port,
            )
            await stop.wait()
            probe.polling = False
            log.info(
                "worker stopping: polling stopped, waiting for in-flight activities",
                grace_seconds=settings.worker_shutdown_seconds,
            )
    finally:
        stop.set()
        if health:
            await health
        await store.close()
    log.info("worker stopped")
    return 0
