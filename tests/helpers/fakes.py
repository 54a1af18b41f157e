"""Fake activities that record what the workflow asked the outside world to do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from activities.capacity import CapacityActivities
from domain.capacity import CentreCapacity
from store.capacity import MemoryCapacityStore


@dataclass
class Calls:
    log: list[tuple[str, str]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    cancel_keys: list[str] = field(default_factory=list)
    # Every notification as sent (template, params and language included).
    notifications: list[c.Notification] = field(default_factory=list)

    def named(self, name: str) -> list[str]:
        return [detail for n, detail in self.log if n == name]


def unlimited(centre_id: str) -> CentreCapacity:
    return CentreCapacity(centre_id=centre_id)


class FakeOutsideWorld:
    def __init__(
        self, refuse: set[str] | None = None, capacities: Callable[[str], CentreCapacity] | None = None
    ) -> None:
        self.calls = Calls()
        # Calls answered with a non-retryable refusal, named like the log: "book:flight",
        # "cancel:accommodation", "notify", "safety_alert".
        self.refuse = refuse or set()
        # The real capacity rules on an in-process book; unlimited unless a test sets capacity
        # (a session's worth of journeys at one centre would otherwise overbook it and alert).
        self.book_store = MemoryCapacityStore(capacities or unlimited)
        self.capacity = CapacityActivities(self.book_store)

    def _maybe_refuse(self, *names: str) -> None:
        if self.refuse & set(names):
            raise ApplicationError(f"{names[-1]} refused by the fake", type="Rejected", non_retryable=True)

    @activity.defn(name=c.BOOK)
    async def book(self, req: c.BookingRequest) -> c.BookingConfirmation:
        self.calls.log.append(("book", req.item))
        self.calls.keys.append(req.idempotency_key)
        self._maybe_refuse("book", f"book:{req.item}")
        return c.BookingConfirmation(item=req.item, reference=f"REF-{req.item}")

    @activity.defn(name=c.CANCEL_BOOKING)
    async def cancel_booking(self, req: c.CancelRequest) -> c.Done:
        self.calls.log.append(("cancel", req.item))
        self.calls.cancel_keys.append(req.idempotency_key)
        self._maybe_refuse("cancel", f"cancel:{req.item}")
        return c.Done()

    @activity.defn(name=c.NOTIFY)
    async def notify(self, n: c.Notification) -> c.Done:
        self.calls.log.append(("notify", f"{n.audience}: {n.message}"))
        self.calls.notifications.append(n)
        self._maybe_refuse("notify", f"notify:{n.audience}")
        return c.Done()

    @activity.defn(name=c.RAISE_SAFETY_ALERT)
    async def raise_safety_alert(self, a: c.SafetyAlert) -> c.Done:
        self.calls.log.append(("safety_alert", f"{a.severity}:{a.code}"))
        self._maybe_refuse("safety_alert", f"safety_alert:{a.code}")
        return c.Done()

    def activities(self) -> list[object]:
        return [self.book, self.cancel_booking, self.notify, self.raise_safety_alert, self.capacity.capacity]
