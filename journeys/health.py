"""Readiness checks shared by the API and the worker: can this process do its work right now?

Liveness is only "the process answers"; readiness asks Temporal and the event
store, each with a short deadline, so an orchestrator stops routing to (or
restarts) a process whose dependencies are gone without killing it for a blip.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from temporalio.client import Client

from store.base import JourneyReader

CHECK_SECONDS = 2.0
# A journey id no real journey can have: reading its row proves the database answers.
PROBE_ID = "health-probe"


async def temporal_ok(client: Client) -> bool:
    try:
        return await client.service_client.check_health(timeout=timedelta(seconds=CHECK_SECONDS))
    except Exception:  # any failure to answer is "not ready", never an error of the check
        return False


async def database_ok(reader: JourneyReader) -> bool:
    try:
        await asyncio.wait_for(reader.get_row(PROBE_ID), CHECK_SECONDS)
    except Exception:  # unreachable, timed out, schema missing: not ready
        return False
    return True


async def readiness(client: Client, reader: JourneyReader) -> dict[str, str]:
    temporal, database = await asyncio.gather(temporal_ok(client), database_ok(reader))
    return {"temporal": "ok" if temporal else "unreachable", "database": "ok" if database else "unreachable"}


class Probe:
    """The worker's view of itself: running (polling) until a stop signal, then draining."""

    def __init__(self, client: Client, reader: JourneyReader) -> None:
        self.client, self.reader, self.polling = client, reader, False

    async def ready(self) -> tuple[bool, dict[str, str]]:
        checks = {"worker": "polling" if self.polling else "stopped", **await readiness(self.client, self.reader)}
        return self.polling and checks["temporal"] == checks["database"] == "ok", checks


def health_app(probe: Probe) -> Any:
    """A two-route ASGI app for the worker (Starlette, which FastAPI already brings)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def livez(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        ok, checks = await probe.ready()
        return JSONResponse({"status": "ready" if ok else "not_ready", **checks}, status_code=200 if ok else 503)

    return Starlette(routes=[Route("/livez", livez), Route("/readyz", readyz)])


async def serve_health(app: Any, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve `app` until `stop` is set, leaving signal handling to the process that owns it."""
    import uvicorn

    class QuietServer(uvicorn.Server):
        # uvicorn would take SIGTERM for itself; the worker's own handler must see it.
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    server = QuietServer(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task
