"""Fake activities that record what the workflow asked the outside world to do."""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio import activity

from activities import contracts as c


@dataclass
class Calls:
    log: list[tuple[str, str]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def named(self, name: str) -> list[str]:
        return [detail for n, detail in self.log if n == name]


class FakeOutsideWorld:
    def __init__(self) -> None:
        self.calls = Calls()

    @activity.defn(name=c.BOOK)
    async def book(self, req: c.BookingRequest) -> c.BookingConfirmation:
        self.calls.log.append(("book", req.item))
        self.calls.keys.append(req.idempotency_key)
        return c.BookingConfirmation(item=req.item, reference=f"REF-{req.item}")

    @activity.defn(name=c.CANCEL_BOOKING)
    async def cancel_booking(self, req: c.CancelRequest) -> c.Done:
        self.calls.log.append(("cancel", req.item))
        return c.Done()

    @activity.defn(name=c.NOTIFY)
    async def notify(self, n: c.Notification) -> c.Done:
        self.calls.log.append(("notify", f"{n.audience}: {n.message}"))
        return c.Done()

    @activity.defn(name=c.RAISE_SAFETY_ALERT)
    async def raise_safety_alert(self, a: c.SafetyAlert) -> c.Done:
        self.calls.log.append(("safety_alert", f"{a.severity}:{a.code}"))
        return c.Done()

    def activities(self) -> list[object]:
        return [self.book, self.cancel_booking, self.notify, self.raise_safety_alert]
