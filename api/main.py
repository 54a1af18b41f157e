"""`journeys api`: connect to Temporal (lazily), open the event store, serve the app."""

from __future__ import annotations

import structlog
import uvicorn

from api.app import create_app
from journeys import tracing
from journeys.client import JourneyClient
from journeys.settings import Settings

log = structlog.get_logger("api")


async def serve(settings: Settings, host: str, port: int) -> int:
    from journeys.temporal import connect
    from store.factory import open_store

    tracing.configure(settings, "cart-journeys-api")
    # Lazy: the API comes up (503 for writes, reads from the log) while Temporal is down.
    client = await connect(settings, lazy=True)
    store = await open_store(settings.database_url)
    app = create_app(settings, JourneyClient(client, settings), store)
    # Our AccessLog middleware logs each request without query strings; uvicorn's would not.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        # Behind the TLS-terminating proxy: client address and scheme from its X-Forwarded-* headers.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    server = uvicorn.Server(config)
    log.info("api listening", url=f"http://{host}:{port}", docs=f"http://{host}:{port}/docs")
    try:
        await server.serve()
    finally:
        await store.close()
    return 0 if server.started else 1
