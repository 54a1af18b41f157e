"""Commands on one journey: milestones (centres, ops), withdrawal and acknowledgement (ops).

Each is a Temporal update; the answer is the journey's new state, or the rule's
`code` and `reason` (409). A milestone's update id comes from its `milestone_id`,
so a resubmission gets the first answer and records nothing new.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from api.access import Journey, authorise
from api.deps import Journeys, WriterPrincipal
from api.models import AcknowledgeIn, JourneyOut, WithdrawIn
from api.responses import WRITE
from domain.milestones import Milestone
from domain.rules import OpsCommand

router = APIRouter(prefix="/v1/journeys/{journey_id}", tags=["commands"])


@router.post("/milestones", response_model=JourneyOut, responses=WRITE)
async def report_milestone(
    milestone: Annotated[Milestone, Body()],
    writer: WriterPrincipal,
    journey: Journey,
    journeys: Journeys,
) -> JourneyOut:
    """Report a milestone (the treating centre; ops for ops milestones such as
    `estimate_accepted`). 200 with the new state; 409 wrong stage, COI mismatch, ended journey
    or a reused `milestone_id` with a different body; 403 another centre or a kind not yours."""
    authorise(writer, journey, type(milestone))
    return JourneyOut.of(await journeys.report(journey.journey_id, milestone, writer.actor))


@router.post("/withdraw", response_model=JourneyOut, responses=WRITE)
async def withdraw(body: WithdrawIn, ops: WriterPrincipal, journey: Journey, journeys: Journeys) -> JourneyOut:
    """End the journey as `withdrawn` (ops): bookings cancelled newest first, centre told."""
    authorise(ops, journey, OpsCommand.WITHDRAW)
    return JourneyOut.of(await journeys.withdraw(journey.journey_id, body.reason, ops.actor))


@router.post("/alerts/{alert_id}/acknowledge", response_model=JourneyOut, responses=WRITE)
async def acknowledge(
    alert_id: Annotated[str, Path(max_length=32)],
    ops: WriterPrincipal,
    journey: Journey,
    journeys: Journeys,
    body: Annotated[AcknowledgeIn | None, Body()] = None,
) -> JourneyOut:
    """Acknowledge an open alert (ops); it leaves the open list, the acknowledgement is logged."""
    authorise(ops, journey, OpsCommand.ACKNOWLEDGE)
    note = body.note if body else ""
    return JourneyOut.of(await journeys.acknowledge(journey.journey_id, alert_id, note, ops.actor))
