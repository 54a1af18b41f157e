"""What a journey and its long-term surveillance share: the two pumps that are the only
callers of activities, their retry policies, and the calls for the effects both raise.

Events go to the journey's log in order, in batches (the record pump); effects run one
at a time in the order they were decided (the effect pump), and what an effect produces
is applied as new events. The workflow decides what each effect does (`_perform`) and
how its events are applied (`_apply`).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities import contracts as act
    from domain.effects import Effect, Notify, SafetyAlert, failure_alert
    from domain.events import Event, EventRecord
    from domain.state import Booking, JourneyState

# The event store is the system of record: keep retrying until it answers.
RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
# Bookings and safety alerts must get through eventually; backoff keeps us polite to centres.
DURABLE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["Rejected"],
)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1), maximum_attempts=10
)
RECORD_BATCH = 100


def failure_cause(err: ActivityError) -> str:
    return err.cause.message if isinstance(err.cause, FailureError) else str(err)


class EventPumps:
    state: JourneyState
    _outbox: list[EventRecord]
    _effects: list[Effect]
    _stopping: bool
    _recorded_seq: int

    async def _record(self, record: act.RecordEventsInput) -> None:
        await workflow.execute_activity(
            act.RECORD_EVENTS,
            record,
            result_type=act.RecordEventsResult,
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=RECORD_RETRY,
        )

    async def _record_pump(self) -> None:
        while True:
            # Effects can still produce events after stopping, so only quit when both queues are dry.
            await workflow.wait_condition(lambda: bool(self._outbox) or (self._stopping and not self._effects))
            if not self._outbox:
                return
            batch = self._outbox[:RECORD_BATCH]
            await self._record(act.RecordEventsInput(journey_id=self.state.journey_id, events=batch))
            del self._outbox[: len(batch)]
            self._recorded_seq = batch[-1].seq

    async def _effect_pump(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._effects) or self._stopping)
            if not self._effects:
                return
            effect = self._effects[0]
            try:
                events = await self._perform(effect)
            except ActivityError as err:
                events = [self._failed(effect, failure_cause(err))]
            self._effects.pop(0)
            self._apply(events)

    async def _perform(self, effect: Effect) -> list[Event]:
        raise NotImplementedError

    def _apply(self, events: list[Event]) -> None:
        raise NotImplementedError

    def _failed(self, effect: Effect, cause: str, booking: Booking | None = None) -> Event:
        workflow.logger.warning(
            "effect failed", extra={"journey_id": self.state.journey_id, "effect": effect.kind, "cause": cause}
        )
        return failure_alert(self.state, effect, cause, workflow.now(), booking)


async def notify(s: JourneyState, effect: Notify) -> None:
    await workflow.execute_activity(
        act.NOTIFY,
        act.Notification(
            journey_id=s.journey_id,
            centre_id=s.centre_id,
            audience=effect.audience,
            message=effect.message,
            idempotency_key=effect.idempotency_key(s.journey_id),
            template=effect.template,
            params=effect.params,
            language=s.language or "en",
        ),
        result_type=act.Done,
        start_to_close_timeout=timedelta(seconds=15),
        retry_policy=NOTIFY_RETRY,
    )


async def page(s: JourneyState, effect: SafetyAlert) -> None:
    await workflow.execute_activity(
        act.RAISE_SAFETY_ALERT,
        act.SafetyAlert(
            journey_id=s.journey_id,
            centre_id=s.centre_id,
            severity=effect.severity,
            code=effect.code,
            message=effect.message,
            idempotency_key=effect.idempotency_key(s.journey_id),
        ),
        result_type=act.Done,
        start_to_close_timeout=timedelta(seconds=15),
        retry_policy=DURABLE_RETRY,
    )
