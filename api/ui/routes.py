"""The manager page: server-rendered HTML (Jinja2, plain CSS, inline SVG), no JavaScript build.

It reads only the projections and the event log, so it keeps working while
Temporal is down. Sign-in is a form that sets a session cookie (see session.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.access import JOURNEY_ID
from api.deps import Principal, Reader
from api.routes.ledger import ledger_of
from api.security_routes import temporal_link
from api.ui import present, session, timeline
from domain.plan import plan
from domain.stages import Outcome, Stage
from domain.state import fold_records
from domain.view import view
from journeys import reference_data
from store.base import BadCursor
from store.base import JourneyNotFound as NotInStore

router = APIRouter(prefix="/ui", include_in_schema=False)
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
        autoescape=select_autoescape(),
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
PAGE_SIZE, COUNT_CAP = 25, 200


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("stage_labels", present.STAGE_LABELS)
    return templates.TemplateResponse(request, name, context, status_code=status)


def _gate(request: Request) -> Principal | Response:
    token = request.query_params.get("token")
    if token and request.app.state.ui_token_query:
        rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
        return _sign_in(request, token, request.url.path + (f"?{rest}" if rest else ""))
    principal = session.session_principal(request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/ui/login?{urlencode({'next': target})}", status_code=303)
    request.state.actor = str(principal.actor)
    if principal.role not in session.UI_ROLES:
        return _page(
            request,
            "message.html",
            403,
            title="Not for centre tokens",
            message="The manager page is for ops and manager tokens. Centres use the API.",
        )
    return principal


def _filters(params: dict[str, str]) -> dict[str, Any]:
    """Filters from the query string; values that mean nothing are dropped, not errors."""
    out: dict[str, Any] = {}
    if params.get("stage") in {s.value for s in Stage}:
        out["stage"] = params["stage"]
    if params.get("centre") in reference_data.centres():
        out["centre"] = params["centre"]
    if params.get("overdue") in ("yes", "no"):
        out["overdue"] = params["overdue"] == "yes"
    if params.get("outcome") in {o.value for o in Outcome}:
        out["outcome"] = params["outcome"]
    if params.get("surveillance") in ("active", "ended"):
        out["surveillance"] = params["surveillance"]
    return out


async def _counts(reader: Any) -> dict[str, str]:
    counts: dict[str, str] = {}
    queries: list[tuple[str, dict[str, Any]]] = [(s.value, {"stage": s.value}) for s in Stage]
    for key, kw in [*queries, ("overdue", {"overdue": True}), ("surveillance", {"surveillance": "active"})]:
        page = await reader.list_journeys(limit=COUNT_CAP, **kw)
        counts[key] = f"{len(page.rows)}{'+' if page.next_cursor else ''}"
    return counts


@router.get("")
async def journey_list(request: Request, reader: Reader) -> Response:
    params = {k: v for k, v in request.query_params.items() if len(v) <= 200}
    gate = _gate(request)
    if not isinstance(gate, Principal):
        return gate
    filters = _filters(params)
    try:
        page = await reader.list_journeys(limit=PAGE_SIZE, cursor=params.get("cursor") or None, **filters)
    except BadCursor:  # a stale or edited link: show the first page rather than an error
        params.pop("cursor", None)
        page = await reader.list_journeys(limit=PAGE_SIZE, **filters)
    now = request.app.state.clock()
    chosen: dict[str, str] = {
        k: params[k] for k in ("stage", "centre", "overdue", "outcome", "surveillance") if k in params and k in filters
    }
    next_url = f"/ui?{urlencode({**chosen, 'cursor': page.next_cursor})}" if page.next_cursor else None
    return _page(
        request,
        "list.html",
        principal=gate,
        rows=[present.list_row(r, now) for r in page.rows],
        counts=await _counts(reader),
        chosen=chosen,
        next_url=next_url,
        first_url=f"/ui?{urlencode(chosen)}" if params.get("cursor") else None,
        centres=reference_data.centres(),
        outcomes=present.OUTCOME_LABELS,
        now=now,
    )


@router.get("/journeys/{journey_id}")
async def journey_page(request: Request, journey_id: str, reader: Reader) -> Response:
    gate = _gate(request)
    if not isinstance(gate, Principal):
        return gate
    events = []
    if JOURNEY_ID.match(journey_id):
        try:
            events = await reader.read(journey_id)
        except NotInStore:
            events = []
    if not events:
        return _page(
            request,
            "message.html",
            404,
            title="No such journey",
            message=f"There is no journey {journey_id[:64]} in the event log.",
        )
    state, now = fold_records(events), request.app.state.clock()
    current, journey_plan = view(state), plan(state, now)
    rows = [present.event_row(e, events[i - 1] if i else None) for i, e in enumerate(events)]
    return _page(
        request,
        "journey.html",
        principal=gate,
        v=current,
        plan=journey_plan,
        now=now,
        tl=timeline.build(journey_plan, events, current.deadlines),
        events=rows,
        chain_ok=all(r["linked"] for r in rows),
        p=present,
        facts=_facts(current, journey_plan, now),
        ledger=ledger_of(journey_id, events),
        temporal_url=temporal_link(request.app.state.settings, journey_id),
    )


def _facts(v: Any, journey_plan: Any, now: Any) -> list[tuple[str, str, str]]:
    nd = v.next_deadline
    slip = journey_plan.behind_days
    return [
        ("Centre", present.centre_name(v.centre_id), ""),
        ("Product", present.product_name(v.product), ""),
        (
            "In stage since",
            f"{present.date(v.stage_entered_at)} ({present.span(now - v.stage_entered_at)})",
            "",
        )
        if v.outcome is None
        else ("Ended on", present.date(v.stage_entered_at), ""),
        (
            "Next deadline",
            f"{nd.action}: {present.when(nd.due_at, now)} ({present.date(nd.due_at)})" if nd else "none pending",
            "late" if nd and nd.due_at <= now else "",
        ),
        (
            "Against plan",
            "on plan" if abs(slip) < 0.5 else f"{slip:+.0f} days",
            "late" if slip >= 0.5 else "ok",
        ),
        ("Chain of identity", v.coi or "not yet collected", "mono"),
        ("Lot", v.lot or "—", "mono"),
        (
            "Max CRS / ICANS",
            f"{v.max_crs_grade} / {v.max_icans_grade}",
            "late" if max(v.max_crs_grade, v.max_icans_grade) >= 3 else "",
        ),
        ("Follow-up", ", ".join(f"d{d}: {r}" for d, r in sorted(v.follow_ups.items())) or "—", ""),
    ]


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _page(request, "login.html", next=_safe_next(request.query_params.get("next")))


@router.post("/login")
async def login(request: Request) -> Response:
    if session.cross_site(request):
        return _cross_site(request)
    try:
        form = parse_qs((await request.body()).decode(errors="replace"), max_num_fields=5)
    except ValueError:
        return _page(request, "login.html", 400, next="/ui", error="The sign-in form was not understood.")
    token = (form.get("token") or [""])[0].strip()
    return _sign_in(request, token, _safe_next((form.get("next") or [""])[0]))


def _cross_site(request: Request) -> Response:
    return _page(
        request,
        "message.html",
        403,
        title="Refused",
        message="Sign-in and sign-out are accepted only from this site's own pages.",
    )


def _sign_in(request: Request, token: str, target: str) -> Response:
    principal = session.token_principal(request, token) if token else None
    if principal is None or principal.role not in session.UI_ROLES:
        error = "That token is not an ops or manager token." if principal else "Unknown token."
        return _page(request, "login.html", 401 if principal is None else 403, next=target, error=error)
    request.state.actor = str(principal.actor)
    response = RedirectResponse(target, status_code=303)
    session.sign_in(request, response, principal)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    if session.cross_site(request):
        return _cross_site(request)
    response = RedirectResponse("/ui/login", status_code=303)
    session.sign_out(request, response)
    return response


def _safe_next(target: str | None) -> str:
    # Only our own pages: an absolute URL here would make the login an open redirect.
    if target and target.startswith("/ui") and "//" not in target and "\\" not in target:
        return target
    return "/ui"
