"""One durable workflow per patient journey.

The workflow owns no rules: `domain.rules.decide` judges every milestone,
`domain.timers` says which deadline is next, `domain.effects` says which calls
an event implies. What is left here is ordering: apply events, record them in
the event store in sequence, carry out their effects in sequence, and wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any, assert_never

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities import capacity_contracts as cc
    from activities import contracts as act
    from domain import deposit, rules, surveillance_rules, timers
    from domain.actors import SYSTEM
    from domain.capacity_effects import capacity_effects_of
    from domain.capacity_events import reservation_events
    from domain.effects import (
        Book,
        CapacityChange,
        Compensate,
        Effect,
        Notify,
        SafetyAlert,
        effects_of,
        to_cancel,
    )
    from domain.errors import JourneyRuleError
    from domain.events import BookingCancelled, BookingMade, Event, EventRecord, to_record
    from domain.policy import PathwayPolicy
    from domain.state import JourneyState, evolve, initial_state
    from domain.view import JourneyView, view
    from journeys.search_attributes import CENTRE, NEXT_DEADLINE, OVERDUE, STAGE
    from workflows.capacity_messages import CapacityChanged
    from workflows.messages import (
        AcknowledgeRequest,
        Carried,
        ErasePersonalData,
        MilestoneRequest,
        StartJourney,
        WithdrawRequest,
    )
    from workflows.pumps import DURABLE_RETRY, RECORD_RETRY, EventPumps, failure_cause, notify, page
    from workflows.surveillance import SurveillanceWorkflow
    from workflows.surveillance_messages import StartSurveillance, surveillance_workflow_id

# Journeys started before this recorded through a local activity (see _record_pump).
RECORD_AS_ACTIVITY = "record-events-as-activity"
# Journeys completed before this ended without long-term surveillance.
SURVEILLANCE_HANDOVER = "surveillance-handover"
# Journeys started before this keep the first edition of the clinical rules (the edition
# travels in journey_started, so the rules, the store's fold and every replay agree).
CLINICAL_RULES_2 = "clinical-rules-second-edition"
# Journeys started before this booked no centre capacity (DESIGN §1b).
BOOK_CAPACITY = "book-centre-capacity"
# Journeys started from here on carry the patient's language and the deposit gate.
PATIENT_SERVICES = "patient-services"


def _refusal(err: JourneyRuleError) -> ApplicationError:
    return ApplicationError(err.reason, err.code, type=err.code, non_retryable=True)


def _judge(rule: Callable[[], list[Event]]) -> list[Event]:
    """Run a rule; its refusal becomes the update's failure (validators and handlers alike)."""
    try:
        return rule()
    except JourneyRuleError as err:
        raise _refusal(err) from None


@workflow.defn
class JourneyWorkflow(EventPumps):
    @workflow.init
    def __init__(self, start: StartJourney) -> None:
        self._start = start
        self._outbox: list[EventRecord] = []
        self._effects: list[Effect] = []
        self._recorded_seq = 0
        # What the main loop waits on: a new next deadline (or stage/overdue change).
        # Waking only then keeps history free of a timer start/cancel per milestone.
        self._watch: tuple[object, ...] = ()
        self._stopping = False
        self._search: tuple[object, ...] = ()
        # The next deadline of `_due_for`: wait conditions are checked on every activation,
        # and working the deadlines out was the workflow's largest own cost (bench.profile).
        self._due_for: JourneyState | None = None
        self._due: timers.Deadline | None = None
        if start.carried:
            self.state = start.carried.state
            self._outbox = list(start.carried.outbox)
            self._effects = list(start.carried.effects)
            self._recorded_seq = start.carried.recorded_seq
        else:
            edition = start.rules_edition or (rules.CURRENT_EDITION if workflow.patched(CLINICAL_RULES_2) else 1)
            # Journeys started before patient services carry no language: the deposit gate,
            # the interpreter rule and templated patient messages (domain/deposit.py) stay off
            # for them, so their histories replay as they were written.
            services = workflow.patched(PATIENT_SERVICES)
            started = rules.start(
                journey_id=start.journey_id,
                patient_ref=start.patient_ref,
                centre_id=start.centre_id,
                product=start.product,
                policy=start.policy,
                actor=start.actor,
                now=workflow.now(),
                edition=edition,
                time_zone=start.time_zone,
                language=start.language if services else None,
                interpreter_needed=start.interpreter_needed if services else False,
            )
            self.state = initial_state(started)
            self._outbox.append(to_record(started, 1))

    @workflow.run
    async def run(self, start: StartJourney) -> JourneyView:
        pumps = [asyncio.create_task(self._record_pump()), asyncio.create_task(self._effect_pump())]
        # Each run states where it is at once: a run continued as new (or started without
        # attributes) is otherwise unlisted by stage until its next change.
        self._upsert_search_attributes()
        while not self.state.ended:
            await self._wait_for_change_or_deadline()
            due = self._next_deadline()
            if due and workflow.now() >= due.due_at:
                self._apply(timers.fire(self.state, due, workflow.now()))
            self._upsert_search_attributes()
            if self._history_is_long():
                await self._continue_as_new()
        self._upsert_search_attributes()
        self._stopping = True
        await workflow.wait_condition(
            lambda: not self._outbox and not self._effects and workflow.all_handlers_finished()
        )
        await asyncio.gather(*pumps)
        if surveillance_rules.hands_over(self.state) and workflow.patched(SURVEILLANCE_HANDOVER):
            await self._hand_over()
        workflow.logger.info(
            "journey ended", extra={"journey_id": self.state.journey_id, "outcome": str(self.state.outcome)}
        )
        return view(self.state)

    # -- messages ---------------------------------------------------------

    @workflow.query
    def current(self) -> JourneyView:
        return view(self.state)

    @workflow.update
    async def report_milestone(self, req: MilestoneRequest) -> JourneyView:
        try:
            events = rules.decide(self.state, req.milestone, req.actor, workflow.now(), self._catalogue())
        except JourneyRuleError as err:
            # A refusal that must leave a trace (wrong-patient product) is recorded, then refused.
            self._apply(list(err.events))
            await self._until_recorded()
            raise _refusal(err) from None
        self._apply(events)
        await self._until_recorded()
        return view(self.state)

    @report_milestone.validator
    def _validate_milestone(self, req: MilestoneRequest) -> None:
        try:
            rules.decide(self.state, req.milestone, req.actor, workflow.now(), self._catalogue())
        except JourneyRuleError as err:
            if not err.events:
                raise _refusal(err) from None

    @workflow.update
    async def withdraw(self, req: WithdrawRequest) -> JourneyView:
        self._apply(_judge(lambda: rules.withdraw(self.state, req.reason, req.actor, workflow.now())))
        await self._until_recorded()
        return view(self.state)

    @withdraw.validator
    def _validate_withdraw(self, req: WithdrawRequest) -> None:
        _judge(lambda: rules.withdraw(self.state, req.reason, req.actor, workflow.now()))

    @workflow.update
    async def acknowledge_alert(self, req: AcknowledgeRequest) -> JourneyView:
        self._apply(_judge(lambda: rules.acknowledge(self.state, req.alert_id, req.note, req.actor, workflow.now())))
        await self._until_recorded()
        return view(self.state)

    @acknowledge_alert.validator
    def _validate_acknowledge(self, req: AcknowledgeRequest) -> None:
        _judge(lambda: rules.acknowledge(self.state, req.alert_id, req.note, req.actor, workflow.now()))

    @workflow.update
    async def erase_personal_data(self, req: ErasePersonalData) -> JourneyView:
        # The key is already destroyed (by the API, before it asks); this records the erasure.
        self._apply(_judge(lambda: rules.erase_personal_data(req.actor, workflow.now())))
        await self._until_recorded()
        return view(self.state)

    @erase_personal_data.validator
    def _validate_erase(self, req: ErasePersonalData) -> None:
        _judge(lambda: rules.erase_personal_data(req.actor, workflow.now()))

    # -- event application -------------------------------------------------

    def _apply(self, events: list[Event]) -> None:
        """Fold events into state and queue them for the store and for their effects, in order."""
        for event in events:
            self.state = evolve(self.state, event)
            self._outbox.append(to_record(event, self.state.seq))
            self._effects.extend(
                deposit.effects(self.state, event, self.state.seq, effects_of(event, self.state.seq, self.state))
            )
            if workflow.patched(BOOK_CAPACITY):
                self._effects.extend(capacity_effects_of(self.state, event, self.state.seq))

    def _catalogue(self) -> dict[str, PathwayPolicy] | None:
        return self._start.catalogue or None

    async def _until_recorded(self) -> None:
        target = self.state.seq
        await workflow.wait_condition(lambda: self._recorded_seq >= target)

    def _next_deadline(self) -> timers.Deadline | None:
        """`timers.next_deadline` of the current state, worked out once per state (states are
        immutable: every event makes a new one)."""
        if self._due_for is not self.state:
            self._due_for, self._due = self.state, timers.next_deadline(self.state)
        return self._due

    def _watched(self) -> tuple[object, ...]:
        due = self._next_deadline()
        return (due.key if due else None, self.state.stage, self.state.overdue)

    async def _wait_for_change_or_deadline(self) -> None:
        due = self._next_deadline()
        self._watch = self._watched()
        timeout = None if due is None else (due.due_at - workflow.now()).total_seconds()
        if timeout is not None and timeout <= 0:
            return
        try:
            # History grows with every milestone even when nothing watched changes (a long
            # stay of daily monitoring), so a long history wakes the loop to continue as new.
            await workflow.wait_condition(
                lambda: self._watched() != self._watch or self._history_is_long(), timeout=timeout
            )
        except TimeoutError:
            pass

    # -- pumps: the only places that call activities ----------------------

    async def _record(self, record: act.RecordEventsInput) -> None:
        if workflow.patched(RECORD_AS_ACTIVITY):
            # A regular activity runs only once its input is in Temporal's history, so the
            # store never holds an event that a lost workflow task could later re-decide
            # differently (a worker or server crash used to wedge the journey on a seq conflict).
            await super()._record(record)
        else:
            await workflow.execute_local_activity(
                act.RECORD_EVENTS,
                record,
                result_type=act.RecordEventsResult,
                start_to_close_timeout=timedelta(seconds=15),
                retry_policy=RECORD_RETRY,
            )

    async def _perform(self, effect: Effect) -> list[Event]:
        """One handler per effect type; mypy refuses a union member left unhandled."""
        match effect:
            case Book():
                return await self._book(effect)
            case Compensate():
                return await self._compensate(effect)
            case Notify():
                await notify(self.state, effect)
            case SafetyAlert():
                await page(self.state, effect)
            case CapacityChange():
                return await self._capacity(effect)
            case _:
                assert_never(effect)
        return []

    async def _book(self, effect: Book) -> list[Event]:
        s = self.state
        confirmation = await workflow.execute_activity(
            act.BOOK,
            act.BookingRequest(
                journey_id=s.journey_id,
                centre_id=s.centre_id,
                item=effect.item,
                idempotency_key=effect.idempotency_key(s.journey_id),
            ),
            result_type=act.BookingConfirmation,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=DURABLE_RETRY,
        )
        return [
            BookingMade(
                item=confirmation.item, reference=confirmation.reference, occurred_at=workflow.now(), actor=SYSTEM
            )
        ]

    async def _compensate(self, effect: Compensate) -> list[Event]:
        # Each cancellation is recorded as it happens: one refused cancellation leaves an
        # alert naming that booking, and the others are still cancelled and recorded (and a
        # run continued as new redoes only what is left). Which ones, in which order: domain.
        s = self.state
        for booking in to_cancel(s):
            try:
                await workflow.execute_activity(
                    act.CANCEL_BOOKING,
                    act.CancelRequest(
                        journey_id=s.journey_id,
                        centre_id=s.centre_id,
                        item=booking.item,
                        reference=booking.reference,
                        idempotency_key=effect.cancel_key(s.journey_id, booking),
                    ),
                    result_type=act.Done,
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=DURABLE_RETRY,
                )
            except ActivityError as err:
                self._apply([self._failed(effect, failure_cause(err), booking)])
                continue
            self._apply(
                [
                    BookingCancelled(
                        item=booking.item, reference=booking.reference, occurred_at=workflow.now(), actor=SYSTEM
                    )
                ]
            )
        return []

    async def _capacity(self, effect: CapacityChange) -> list[Event]:
        s, now = self.state, workflow.now()
        ids = {"journey_id": s.journey_id, "centre_id": s.centre_id, "at": now}
        command: cc.CapacityCommand
        match effect.op:
            case "reserve" | "rebook" if effect.need is None:
                return []
            case "reserve":
                command = cc.Reserve(**ids, need=effect.need)
            case "rebook":
                command = cc.Rebook(**ids, need=effect.need)
            case "replan":
                command = cc.Replan(**ids, targets=effect.targets, forced=effect.forced)
            case "release":
                command = cc.Release(**ids)
            case "look":
                command = cc.Look(**ids)
        result = await workflow.execute_activity(
            cc.CAPACITY,
            cc.CapacityInput(command=command),
            result_type=cc.CapacityResult,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=DURABLE_RETRY,
        )
        await self._tell(result.moved)
        return reservation_events(self.state, effect.op, result.placement, result.overbooked, workflow.now())

    async def _tell(self, journey_ids: list[str]) -> None:
        """Signal the journeys whose place at the centre this change moved; each re-reads it."""
        # Every journey's workflow id is built the same way around its journey id.
        prefix = workflow.info().workflow_id.removesuffix(self.state.journey_id)
        for journey_id in journey_ids:
            handle = workflow.get_external_workflow_handle(prefix + journey_id)
            try:
                await handle.signal(JourneyWorkflow.capacity_changed, CapacityChanged(by=self.state.journey_id))
            except Exception as err:  # a journey that has ended since needs no telling
                workflow.logger.info(
                    "capacity change not delivered", extra={"journey_id": journey_id, "cause": str(err)}
                )

    @workflow.signal
    def capacity_changed(self, note: CapacityChanged) -> None:
        """Another journey's booking moved this one (promoted, or moved up the waiting list)."""
        queued = any(isinstance(e, CapacityChange) and e.op == "look" for e in self._effects[1:])
        if not self.state.ended and not queued and workflow.patched(BOOK_CAPACITY):
            self._effects.append(CapacityChange(seq=self.state.seq, op="look"))

    # -- hand-over -----------------------------------------------------------

    async def _hand_over(self) -> None:
        """Start long-term surveillance as a child that outlives this journey (ABANDON).

        Every event of the journey is recorded by now, so the child continues the log's
        sequence without a gap or a race."""
        policy = surveillance_rules.policy_for(self.state)
        try:
            await workflow.start_child_workflow(
                SurveillanceWorkflow.run,
                StartSurveillance(journey=self.state, policy=policy),
                id=surveillance_workflow_id(self.state.journey_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
                # Temporal's test server would otherwise cut it at ten years.
                execution_timeout=policy.lifetime(),
            )
        except WorkflowAlreadyStartedError:
            # Already handed over (a reset journey completing again): one surveillance per journey.
            workflow.logger.info("surveillance already running", extra={"journey_id": self.state.journey_id})

    # -- housekeeping -----------------------------------------------------

    def _upsert_search_attributes(self) -> None:
        if not self._start.upsert_search_attributes:
            return
        due = self._next_deadline()
        wanted = (self.state.stage.value, self.state.centre_id, due.due_at if due else None, self.state.overdue)
        if wanted == self._search:
            return
        self._search = wanted
        updates: list[SearchAttributeUpdate[Any]] = [
            STAGE.value_set(self.state.stage.value),
            CENTRE.value_set(self.state.centre_id),
            OVERDUE.value_set(self.state.overdue),
            NEXT_DEADLINE.value_set(due.due_at) if due else NEXT_DEADLINE.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._start.history_limit

    async def _continue_as_new(self) -> None:
        # Let in-flight updates finish and the store catch up so nothing straddles the run
        # boundary; an effect still in flight is carried and redone under the same idempotency key.
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._outbox)
        workflow.logger.info("continuing as new", extra={"journey_id": self.state.journey_id})
        carried = Carried(state=self.state, outbox=self._outbox, effects=self._effects, recorded_seq=self._recorded_seq)
        workflow.continue_as_new(self._start.model_copy(update={"carried": carried}))
