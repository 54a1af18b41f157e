"""Long-term surveillance of a completed journey: its state, and the yearly checks centres report."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import Journey, logged_state
from api.deps import Journeys, Reader, WriterPrincipal
from api.errors import ApiError
from api.responses import READ, WRITE
from domain.surveillance import SurveillanceCheck
from domain.surveillance_rules import SurveillanceView, view
from journeys.client import JourneyNotFound, Refused
from journeys.surveillance_client import SurveillanceClient

router = APIRouter(prefix="/v1/journeys/{journey_id}/surveillance", tags=["surveillance"])


@router.get("", response_model=SurveillanceView, responses=READ)
async def surveillance(journey: Journey, reader: Reader) -> SurveillanceView:
    """Long-term surveillance (ops, managers, its centre), from the event log: `status` (`none`
    until a completed journey hands over, then `active`, then `ended` with `end_reason`
    `horizon_reached` or `deceased`), yearly `checks` by year, `missed` years, the next check and
    its deadline, `overdue`, `relapsed`, `secondary_malignancy`."""
    state = await logged_state(reader, journey.journey_id)
    if state is None:
        raise ApiError(
            503,
            "unavailable",
            "the journey's first events are not recorded yet; retry shortly",
            headers={"Retry-After": "1"},
        )
    return view(state)


@router.post("/checks", response_model=SurveillanceView, responses=WRITE)
async def report_check(
    body: SurveillanceCheck, journey: Journey, writer: WriterPrincipal, journeys: Journeys
) -> SurveillanceView:
    """Record a yearly status check (its centre, or ops for the hub's remote follow-up):
    `year` (from the first year after the hand-over to the horizon; omit it for an unscheduled
    report of a relapse or death), `alive`, `disease_status` (remission / stable / relapsed /
    progression / unknown; required while alive), `secondary_malignancy`, `new_therapy`,
    `cause_of_death` (required when not alive). Same `milestone_id` and body: same answer.
    409 `not_under_surveillance`, `surveillance_ended`, `wrong_stage` (year not open yet or
    already recorded); 422 invalid body or a year outside the horizon."""
    try:
        return await SurveillanceClient(journeys).report_check(journey.journey_id, body, writer.actor)
    except JourneyNotFound:
        raise ApiError(
            409,
            "not_under_surveillance",
            "this journey is not under long-term surveillance (it starts when the last "
            "follow-up visit completes the journey)",
        ) from None
    except Refused as err:
        if err.code == "journey_ended":
            raise ApiError(409, "surveillance_ended", "long-term surveillance of this journey has ended") from None
        raise
