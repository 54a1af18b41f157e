"""Long-term surveillance of one patient: a child of the journey that outlives it.

Started by the journey when its last scheduled visit is recorded, with
ParentClosePolicy.ABANDON, it waits on durable timers (nothing runs, nothing is
polled between yearly checks) and takes checks as validated updates. Rules are
`domain.surveillance_rules`; events go to the journey's own log, continuing
its sequence and hash chain. A child workflow rather than a Temporal Schedule:
the state (which years are in, what is overdue, idempotency of reports) lives
in one deterministic place that also answers queries and updates, a relapse or
death stops it at once, and the history it grows is bounded by the horizon
(continue-as-new guards the rest).
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import surveillance_rules as rules
    from domain.effects import Effect, Notify, SafetyAlert, effects_of
    from domain.errors import JourneyRuleError
    from domain.events import Event, EventRecord, to_record
    from domain.state import evolve
    from domain.surveillance_rules import SurveillanceView, view
    from workflows.pumps import EventPumps, notify, page
    from workflows.surveillance_messages import CarriedSurveillance, CheckRequest, StartSurveillance


def _refusal(err: JourneyRuleError) -> ApplicationError:
    return ApplicationError(err.reason, err.code, type=err.code, non_retryable=True)


@workflow.defn
class SurveillanceWorkflow(EventPumps):
    @workflow.init
    def __init__(self, start: StartSurveillance) -> None:
        self._start = start
        self._outbox: list[EventRecord] = []
        self._effects: list[Effect] = []
        self._stopping = False
        self._watch: object = None
        if start.carried:
            self.state = start.carried.state
            self._outbox, self._effects = list(start.carried.outbox), list(start.carried.effects)
            self._recorded_seq = start.carried.recorded_seq
        else:
            self.state = start.journey
            self._recorded_seq = start.journey.seq
            self._apply(rules.handover(self.state, start.policy, workflow.now()))

    def _ended(self) -> bool:
        return self.state.surveillance is not None and self.state.surveillance.ended

    @workflow.run
    async def run(self, start: StartSurveillance) -> SurveillanceView:
        pumps = [asyncio.create_task(self._record_pump()), asyncio.create_task(self._effect_pump())]
        while not self._ended():
            await self._wait_for_change_or_deadline()
            due = rules.next_deadline(self.state)
            if due and workflow.now() >= due.due_at:
                self._apply(rules.fire(self.state, due, workflow.now()))
            if self._history_is_long() and not self._ended():
                await self._continue_as_new()
        self._stopping = True
        await workflow.wait_condition(
            lambda: not self._outbox and not self._effects and workflow.all_handlers_finished()
        )
        await asyncio.gather(*pumps)
        return view(self.state)

    @workflow.query
    def current(self) -> SurveillanceView:
        return view(self.state)

    @workflow.update
    async def report_check(self, req: CheckRequest) -> SurveillanceView:
        try:
            self._apply(rules.decide_check(self.state, req.check, req.actor, workflow.now()))
        except JourneyRuleError as err:
            raise _refusal(err) from None
        target = self.state.seq
        await workflow.wait_condition(lambda: self._recorded_seq >= target)
        return view(self.state)

    @report_check.validator
    def _validate_check(self, req: CheckRequest) -> None:
        try:
            rules.decide_check(self.state, req.check, req.actor, workflow.now())
        except JourneyRuleError as err:
            raise _refusal(err) from None

    def _apply(self, events: list[Event]) -> None:
        for event in events:
            self.state = evolve(self.state, event)
            self._outbox.append(to_record(event, self.state.seq))
            self._effects.extend(effects_of(event, self.state.seq))

    async def _wait_for_change_or_deadline(self) -> None:
        due = rules.next_deadline(self.state)
        self._watch = (due.key if due else None, self._ended())
        timeout = None if due is None else (due.due_at - workflow.now()).total_seconds()
        if timeout is not None and timeout <= 0:
            return
        try:
            # A year-long durable timer: no worker holds anything while it waits.
            await workflow.wait_condition(
                lambda: self._watched() != self._watch or self._history_is_long(), timeout=timeout
            )
        except TimeoutError:
            pass

    def _watched(self) -> object:
        due = rules.next_deadline(self.state)
        return (due.key if due else None, self._ended())

    async def _perform(self, effect: Effect) -> list[Event]:
        match effect:
            case Notify():
                await notify(self.state, effect)
            case SafetyAlert():
                await page(self.state, effect)
            case _:
                # Surveillance books nothing; an effect it has no handler for is a bug, logged not fatal.
                workflow.logger.warning("surveillance has no handler for effect", extra={"effect": effect.kind})
        return []

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._start.history_limit

    async def _continue_as_new(self) -> None:
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._outbox)
        carried = CarriedSurveillance(
            state=self.state, outbox=self._outbox, effects=self._effects, recorded_seq=self._recorded_seq
        )
        workflow.continue_as_new(self._start.model_copy(update={"carried": carried}))
