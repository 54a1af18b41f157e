"""The builder a milestone handler writes its events into, and the registry of handlers.

A handler is one function per milestone class, registered with `@handles(Cls)`:
it refuses (raises from `domain.errors`) or appends the consequences of the
accepted fact (`enter`, `end`, `alert`). `decide` records the milestone itself
first, so a handler only writes what follows from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from domain import events as ev
from domain.actors import Actor
from domain.clock import day_number
from domain.milestone_base import MilestoneBase
from domain.policy import PathwayPolicy
from domain.stages import Outcome, Severity, Stage
from domain.state import JourneyState

M = TypeVar("M", bound=MilestoneBase)
Handler = Callable[["Decision", Any], None]
HANDLERS: dict[type[MilestoneBase], Handler] = {}


def handles(cls: type[M]) -> Callable[[Callable[[Decision, M], None]], Callable[[Decision, M], None]]:
    """Register the decision handler of one milestone class (exactly one per class)."""

    def register(fn: Callable[[Decision, M], None]) -> Callable[[Decision, M], None]:
        if cls in HANDLERS:
            raise RuntimeError(f"{cls.__name__} already has a handler")
        HANDLERS[cls] = fn
        return fn

    return register


class Decision:
    """The events of one command, in order, numbering alerts as it goes."""

    def __init__(
        self, state: JourneyState, actor: Actor, now: datetime, catalogue: Mapping[str, PathwayPolicy] | None = None
    ) -> None:
        self.state, self.actor, self.now, self.catalogue = state, actor, now, catalogue
        self.events: list[ev.Event] = []

    @property
    def edition(self) -> int:
        return self.state.edition

    @property
    def policy(self) -> PathwayPolicy:
        return self.state.policy

    def alert(
        self, severity: Severity, code: str, message: str, *, clinical: bool = False, **extra: Any
    ) -> ev.AlertRaised:
        ahead = sum(isinstance(e, ev.AlertRaised) for e in self.events)
        alert = ev.AlertRaised(
            alert_id=self.state.alert_id(ahead),
            severity=severity,
            code=code,
            message=message,
            clinical=clinical,
            occurred_at=self.now,
            actor=self.actor,
            **extra,
        )
        self.events.append(alert)
        return alert

    def enter(self, stage: Stage) -> None:
        self.events.append(
            ev.StageEntered(stage=stage, previous=self.state.stage, occurred_at=self.now, actor=self.actor)
        )

    def end(self, outcome: Outcome, reason: str) -> None:
        self.events.append(ev.JourneyEnded(outcome=outcome, reason=reason, occurred_at=self.now, actor=self.actor))

    def emit(self, event: ev.Event) -> None:
        self.events.append(event)

    def days_since_infusion(self) -> float | None:
        """First edition: elapsed policy days from the infusion's report to now."""
        infused = self.state.infused_at
        return None if infused is None else self.policy.in_days(self.now - infused)

    def clinical_day(self, at: datetime) -> int | None:
        """Second edition: the calendar day after infusion on which `at` falls (day 0 = infusion day)."""
        s = self.state
        return None if s.infused_at is None else day_number(s.policy, s.time_zone, s.infused_at, at)
