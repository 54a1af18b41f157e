"""The one client layer over Temporal that the API, the CLI, the simulator and benchmarks share.

It knows workflow ids, update ids and how Temporal reports refusals, and turns
them into the small error family below so callers never touch Temporal errors.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import structlog
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.actors import Actor
from domain.milestones import Milestone
from domain.stages import Stage
from domain.view import JourneyView
from journeys import reference_data
from journeys.metrics import MILESTONE_REFUSALS
from journeys.search_attributes import CENTRE, STAGE
from journeys.settings import Settings
from journeys.temporal import execute_update, journey_id_for, workflow_id
from workflows.journey import JourneyWorkflow
from workflows.messages import AcknowledgeRequest, ErasePersonalData, MilestoneRequest, StartJourney, WithdrawRequest

MAX_JOURNEYS_PER_PATIENT = 20


class ClientError(Exception):
    code = "error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JourneyNotFound(ClientError):
    """No journey with this id."""

    code = "not_found"


class ActiveJourneyExists(ClientError):
    """The patient already has an active journey; `journey_id` names it."""

    code = "active_journey_exists"

    def __init__(self, journey_id: str) -> None:
        super().__init__(f"the patient already has an active journey ({journey_id})")
        self.journey_id = journey_id


class UnknownReference(ClientError):
    """An unknown centre or product id; see GET /v1/centres and /v1/products."""

    code = "unknown_reference"


class Unavailable(ClientError):
    """Temporal (or the journey's worker) did not answer; the request may be retried."""

    code = "unavailable"


class Refused(ClientError):
    """The workflow refused the command; `code` is the domain rule's code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class JourneyClient:
    def __init__(self, client: Client, settings: Settings) -> None:
        self.client, self.settings = client, settings
        self.policies = reference_data.policy_book(settings.policy_file)

    def handle(self, journey_id: str) -> WorkflowHandle[Any, Any]:
        # Every log line of the rest of this request (or command) names the journey.
        structlog.contextvars.bind_contextvars(journey_id=journey_id, workflow_id=workflow_id(journey_id))
        return self.client.get_workflow_handle(workflow_id(journey_id))

    async def start(
        self,
        *,
        patient_ref: str,
        centre_id: str,
        product: str | None,
        actor: Actor,
        policy_overrides: dict[str, Any] | None = None,
        rules_edition: int | None = None,
        language: str | None = None,
        interpreter_needed: bool = False,
    ) -> JourneyView:
        if centre_id not in reference_data.centres():
            raise UnknownReference(f"unknown centre {centre_id!r}; see GET /v1/centres")
        if product is not None and product not in reference_data.products():
            raise UnknownReference(f"unknown product {product!r}; see GET /v1/products")
        policy = self.policies.resolve(product=product, centre=centre_id, overrides=policy_overrides)
        # Each catalogue product's policy for this centre: eligibility may name the product later.
        catalogue = {
            pid: self.policies.resolve(product=pid, centre=centre_id, overrides=policy_overrides)
            for pid in reference_data.products()
        }
        time_zone = reference_data.centre_time_zone(centre_id)
        search_attributes = self.settings.search_attributes
        # Each patient's n-th journey has its own fixed id, so "start if none is active"
        # is one atomic start per id, never a read-then-write race.
        for ordinal in range(1, MAX_JOURNEYS_PER_PATIENT + 1):
            journey_id = journey_id_for(patient_ref, self.settings.id_key.get_secret_value(), ordinal)
            start = StartJourney(
                journey_id=journey_id,
                patient_ref=patient_ref,
                centre_id=centre_id,
                product=product,
                policy=policy,
                actor=actor,
                time_zone=time_zone,
                catalogue=catalogue,
                rules_edition=rules_edition,
                upsert_search_attributes=search_attributes,
                language=language,
                interpreter_needed=interpreter_needed,
            )
            sa = TypedSearchAttributes(
                [SearchAttributePair(STAGE, Stage.RECORDS.value), SearchAttributePair(CENTRE, centre_id)]
            )
            try:
                await self.client.start_workflow(
                    JourneyWorkflow.run,
                    start,
                    id=workflow_id(journey_id),
                    task_queue=self.settings.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                    search_attributes=sa if search_attributes else None,
                )
            except WorkflowAlreadyStartedError:
                desc = await self.handle(journey_id).describe()
                if desc.status == WorkflowExecutionStatus.RUNNING:
                    raise ActiveJourneyExists(journey_id) from None
                continue
            except (RPCError, RuntimeError) as err:
                raise _translate(err, journey_id) from None
            return await self.view(journey_id)
        raise ClientError(f"patient has had {MAX_JOURNEYS_PER_PATIENT} journeys; contact support")

    async def view(self, journey_id: str) -> JourneyView:
        try:
            return await self.handle(journey_id).query(JourneyWorkflow.current)
        except (RPCError, RuntimeError) as err:
            raise _translate(err, journey_id) from None

    async def report(self, journey_id: str, milestone: Milestone, actor: Actor) -> JourneyView:
        try:
            return await self._update(
                journey_id,
                JourneyWorkflow.report_milestone,
                MilestoneRequest(actor=actor, milestone=milestone),
                update_id=milestone_update_id(milestone, self.settings.id_secret()),
            )
        except Refused as refused:
            MILESTONE_REFUSALS.labels(code=refused.code, kind=milestone.kind).inc()
            raise

    async def withdraw(self, journey_id: str, reason: str, actor: Actor) -> JourneyView:
        return await self._update(journey_id, JourneyWorkflow.withdraw, WithdrawRequest(actor=actor, reason=reason))

    async def acknowledge(self, journey_id: str, alert_id: str, note: str, actor: Actor) -> JourneyView:
        return await self._update(
            journey_id, JourneyWorkflow.acknowledge_alert, AcknowledgeRequest(actor=actor, alert_id=alert_id, note=note)
        )

    async def erase_personal_data(self, journey_id: str, actor: Actor) -> JourneyView:
        """Records the erasure in the journey's log, through the workflow (the log's only writer)."""
        return await self._update(journey_id, JourneyWorkflow.erase_personal_data, ErasePersonalData(actor=actor))

    async def temporal_history(self, journey_id: str) -> dict[str, Any]:
        try:
            history = await self.handle(journey_id).fetch_history()
        except (RPCError, RuntimeError) as err:
            raise _translate(err, journey_id) from None
        return history.to_json_dict()

    async def _update(self, journey_id: str, update: Any, arg: Any, update_id: str | None = None) -> JourneyView:
        try:
            view: JourneyView = await execute_update(self.handle(journey_id), update, arg, id=update_id)
            return view
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                raise Refused(cause.type or "refused", cause.message) from None
            raise Refused("refused", str(cause or err)) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise Unavailable("the journey did not answer in time; retry with the same request") from None
        except (RPCError, RuntimeError) as err:
            translated = _translate(err, journey_id)
        # Servers word "update to a closed workflow" differently (the time-skipping one says
        # "update ... not found"), so ask whether the journey exists and has closed.
        if isinstance(translated, JourneyNotFound) and await self._closed(journey_id):
            translated = Refused("journey_ended", "the journey has ended; no further changes are accepted")
        raise translated

    async def _closed(self, journey_id: str) -> bool:
        try:
            return (await self.handle(journey_id).describe()).status != WorkflowExecutionStatus.RUNNING
        except RPCError:
            return False


def milestone_update_id(milestone: Milestone, key: bytes = b"") -> str:
    """Same id and body: Temporal answers a resubmission with the first result.

    Temporal does not compare bodies, so the body's digest is part of the update id:
    a reused milestone_id with another body reaches the workflow, which refuses it.
    Update ids are stored in plain text by Temporal, and milestone ids are chosen by the
    centres, so the id is a keyed hash (JOURNEYS_ID_KEY) of both, never the id itself.
    """
    mac = hmac.new(key, f"{milestone.milestone_id}\x00{milestone.digest()}".encode(), hashlib.sha256)
    return f"milestone-{mac.hexdigest()[:32]}"


def _translate_rpc(err: RPCError, journey_id: str) -> ClientError:
    if err.status == RPCStatusCode.NOT_FOUND:
        # The message names the workflow id, which may itself contain "completed"
        # (a journey id is any [A-Za-z0-9_-]{1,64}): look only at the rest.
        message = err.message.lower().replace(journey_id.lower(), "")
        if "completed" in message or "closed" in message:
            return Refused("journey_ended", "the journey has ended; no further changes are accepted")
        return JourneyNotFound(f"no journey {journey_id}")
    return Unavailable(f"journey service unavailable: {err.message}")


def _translate(err: RPCError | RuntimeError, journey_id: str) -> ClientError:
    if isinstance(err, RPCError):
        return _translate_rpc(err, journey_id)
    # A lazily connected client reports an unreachable server as a RuntimeError.
    if "connect" in str(err).lower():
        return Unavailable("journey service unavailable: cannot reach Temporal")
    raise err
