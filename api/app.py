"""The FastAPI application: routers, error mapping, body guard, request log, manager page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api import errors, observability, openapi, personal_routes, security_routes
from api.access import CentreCache
from api.codec_routes import add_cors, codec_router
from api.deps import parse_tokens
from api.middleware import BODY_LIMIT, AccessLog, BodyGuard, SecurityHeaders
from api.responses import CODEC_ERRORS
from api.routes import capacity, commands, fhir, health, history, ledger, reference, surveillance
from api.routes import journeys as journey_routes
from api.ui import capacity_page, mailbox
from api.ui import routes as ui
from api.ui.session import SessionRegistry
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.base import JourneyReader

DESCRIPTION = """
Partner centres report milestones, operations staff start and steer journeys,
managers read. Authenticate with `Authorization: Bearer <token>`; tokens map to a
role in `JOURNEYS_API_TOKENS`: `ops`, `manager` or `centre:<id>`.

Every error has the shape `{"code": ..., "reason": ...}` (plus `errors` for invalid
bodies). The manager page is at [/ui](/ui).
"""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    journeys: JourneyClient,
    reader: JourneyReader,
    *,
    body_limit: int = BODY_LIMIT,
    clock: Callable[[], datetime] = _utcnow,
    ui_token_query: bool = False,
) -> FastAPI:
    """`ui_token_query` lets `/ui?token=...` sign in once (sets the cookie, then redirects):
    for headless screenshots only, since a token in a URL ends up in browser history."""
    app = FastAPI(title="CAR-T treatment journeys", version="1", description=DESCRIPTION)
    app.state.settings, app.state.journeys, app.state.reader = settings, journeys, reader
    app.state.principals = parse_tokens(settings.tokens(), settings.id_secret())
    app.state.centres = CentreCache()
    app.state.sessions = SessionRegistry(settings.session_hours * 3600)
    app.state.clock, app.state.ui_token_query = clock, ui_token_query

    errors.install(app)
    openapi.install(app)
    for router in (
        journey_routes.router,
        commands.router,
        history.router,
        fhir.router,
        ledger.router,
        surveillance.router,
        reference.router,
        reference.health,
        capacity.router,
        health.router,
        ui.router,
        capacity_page.router,
        mailbox.router,
        security_routes.ui_gate,
        personal_routes.router,
    ):
        app.include_router(router)
    app.include_router(codec_router(settings), responses=CODEC_ERRORS)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui", status_code=307)

    # Outermost last: log every request, then refuse bad bodies before anything parses them.
    add_cors(app, settings)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyGuard, limit=body_limit)
    app.add_middleware(AccessLog)
    observability.install(app)  # outside the access log, so its line has the request id
    return app
