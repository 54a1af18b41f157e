"""Which journey a request is about, and whether the caller may touch it.

Unknown ids are 404 for everybody. An existing journey of another centre is 403
with a message that says nothing about it (not its stage, not its centre).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from api.deps import CurrentPrincipal, Journeys, Principal, Reader
from api.errors import ApiError
from domain import rules
from domain.errors import JourneyRuleError
from domain.state import JourneyState, fold_records
from domain.view import JourneyView, view
from journeys.client import JourneyClient, JourneyNotFound, Unavailable
from store.base import JourneyNotFound as NotInStore
from store.base import JourneyReader

JOURNEY_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")

JourneyIdParam = Annotated[str, Path(max_length=200, description="Opaque journey id (J + 16 hex)")]


@dataclass(frozen=True)
class Located:
    journey_id: str
    centre_id: str
    principal: Principal
    # The live view, when locating the journey already had to ask Temporal for it.
    view: JourneyView | None = None


def not_found(journey_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no journey {journey_id}")


class CentreCache:
    """journey id -> centre id. A journey never changes centre, so a hit needs no read at all."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.known: dict[str, str] = {}

    def get(self, journey_id: str) -> str | None:
        return self.known.get(journey_id)

    def put(self, journey_id: str, centre_id: str) -> None:
        if len(self.known) >= self.size:
            self.known.clear()
        self.known[journey_id] = centre_id


async def locate(
    journey_id: str,
    principal: Principal,
    journeys: JourneyClient,
    reader: JourneyReader,
    cache: CentreCache | None = None,
) -> Located:
    if not JOURNEY_ID.match(journey_id):
        raise not_found(journey_id)
    centre = cache.get(journey_id) if cache is not None else None
    live: JourneyView | None = None
    if centre is None:
        row = await reader.get_row(journey_id)
        if row is not None:
            centre = row.centre_id
        else:
            # Just started: the first event may not be in the store yet, so ask the workflow.
            try:
                live = await journeys.view(journey_id)
            except JourneyNotFound:
                raise not_found(journey_id) from None
            centre = live.centre_id
        if cache is not None:
            cache.put(journey_id, centre)
    if not principal.can_see(centre):
        raise ApiError(403, "forbidden", "this journey is not available to your token")
    return Located(journey_id, centre, principal, live)


async def _located(
    request: Request,
    journey_id: JourneyIdParam,
    principal: CurrentPrincipal,
    journeys: Journeys,
    reader: Reader,
) -> Located:
    return await locate(journey_id, principal, journeys, reader, request.app.state.centres)


Journey = Annotated[Located, Depends(_located)]


def authorise(principal: Principal, located: Located, command: rules.Command) -> None:
    """The domain's own authorisation, asked before the command travels to the workflow
    (which asks it again): a refusal costs no round trip and reads the same either way."""
    try:
        rules.authorise(principal.actor, located.centre_id, command)
    except JourneyRuleError as err:
        raise ApiError(403, err.code, err.reason) from None


async def logged_state(reader: JourneyReader, journey_id: str) -> JourneyState | None:
    """The journey as the event log (the system of record) knows it; None if it has no events."""
    try:
        events = await reader.read(journey_id)
    except NotInStore:
        return None
    return fold_records(events) if events else None


async def current_view(located: Located, journeys: JourneyClient, reader: JourneyReader) -> tuple[JourneyView, bool]:
    """(view, live): the workflow's own state, or the event log's when Temporal cannot give it."""
    if located.view is not None:
        return located.view, True
    try:
        return await journeys.view(located.journey_id), True
    except (JourneyNotFound, Unavailable) as err:
        # Past Temporal's retention, or Temporal is down: the event log still knows the journey.
        state = await logged_state(reader, located.journey_id)
        if state is None:
            raise err from None
        return view(state), False
