"""Security routes of our own: the reverse proxy's session check for the Temporal Web UI."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.ui import session
from journeys.settings import Settings
from journeys.temporal import workflow_id

ui_gate = APIRouter(include_in_schema=False)


def temporal_link(settings: Settings, journey_id: str) -> str:
    """The journey's workflow in the Temporal Web UI (where it decodes for the signed-in user)."""
    base = (settings.temporal_ui_url or settings.ui_origin).rstrip("/")
    ns = quote(settings.temporal_namespace, safe="")
    return f"{base}/namespaces/{ns}/workflows/{quote(workflow_id(journey_id), safe='')}"


@ui_gate.get("/ui/session-check")
async def session_check(request: Request) -> Response:
    """204 for a signed-in ops or manager; otherwise the sign-in page. The proxy (Caddy's
    forward_auth) asks this before every request to the Temporal UI, with the browser's cookie."""
    principal = session.cookie_principal(request)
    if principal is None or principal.role not in session.UI_ROLES:
        return RedirectResponse("/ui/login?next=/ui", status_code=303)
    request.state.actor = str(principal.actor)
    return Response(status_code=204)
