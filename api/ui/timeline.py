"""Geometry of the journey timeline (a Gantt of planned vs actual stage dates) for the SVG template.

Everything is computed here in viewBox units so the template only places shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from api.ui.present import span, stage_label
from domain import events as ev
from domain.plan import JourneyPlan, StagePlan
from domain.stages import Stage
from domain.timers import Deadline
from store.base import StoredEvent

WIDTH, LEFT, RIGHT, TOP, ROW = 1000.0, 178.0, 24.0, 34.0, 38.0
# In a row: the plan's thin bar at PLAN_Y, the actual bar from BAR_Y, markers on its middle.
PLAN_Y, BAR_Y, BAR_H = 6.0, 14.0, 16.0
MID = BAR_Y + BAR_H / 2
STEPS = [
    timedelta(seconds=s)
    for s in (
        1,
        5,
        10,
        30,
        60,
        300,
        600,
        1800,
        3600,
        3 * 3600,
        6 * 3600,
        12 * 3600,
        86400,
        2 * 86400,
        7 * 86400,
        14 * 86400,
    )
]
MONTH = timedelta(days=30)


@dataclass
class Bar:
    x: float
    w: float
    title: str
    open_end: bool = False


@dataclass
class Marker:
    x: float
    y: float
    kind: str
    title: str
    label: str = ""


@dataclass
class Row:
    y: float
    stage: str
    label: str
    status: str
    note: str
    note_class: str
    planned: Bar
    actual: list[Bar] = field(default_factory=list)
    forecast: Bar | None = None


@dataclass
class Timeline:
    width: float
    height: float
    left: float
    right: float
    top: float
    rows: list[Row]
    ticks: list[tuple[float, str]]
    markers: list[Marker]
    today_x: float | None
    end_x: float | None
    end_label: str
    row_h: float = ROW
    plan_y: float = PLAN_Y
    bar_y: float = BAR_Y
    bar_h: float = BAR_H


class _Scale:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, max(end, start + timedelta(seconds=1))

    def x(self, at: datetime) -> float:
        frac = (at - self.start) / (self.end - self.start)
        return LEFT + max(0.0, min(1.0, frac)) * (WIDTH - LEFT - RIGHT)

    def bar(self, start: datetime, end: datetime, title: str) -> Bar:
        x0, x1 = self.x(start), self.x(end)
        return Bar(x0, max(x1 - x0, 2.0), title, open_end=end > self.end)


def window(plan: JourneyPlan) -> tuple[datetime, datetime]:
    if plan.ended_at is not None:
        end = plan.ended_at
    else:
        current = next(r for r in plan.stages if r.status == "current")
        candidates = [plan.as_of, current.planned_end, current.forecast_end or plan.as_of]
        if current.stage is Stage.FOLLOW_UP:
            # Focus on now: the next visit still to come, not the whole year of follow-up.
            pending = [v.due_at for v in plan.visits if v.response is None]
            candidates = [plan.as_of, *pending[:1]]
        else:
            after = plan.stages[plan.stages.index(current) + 1]
            if after.stage is Stage.FOLLOW_UP and plan.visits:
                candidates.append(plan.visits[0].due_at)
            elif after.forecast_end is not None:
                candidates.append(after.forecast_end)
        end = max(candidates)
    pad = (end - plan.started_at) * 0.04
    return plan.started_at - pad, end + pad


def ticks(scale: _Scale) -> list[tuple[float, str]]:
    length = scale.end - scale.start
    if length > timedelta(days=120):
        return _month_ticks(scale, 1 if length < timedelta(days=400) else 2)
    step = next((s for s in STEPS if length / s <= 10), MONTH)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    at = epoch + ((scale.start - epoch) // step + 1) * step
    fmt = "%d %b" if step >= timedelta(days=1) else "%H:%M" if step >= timedelta(minutes=1) else "%H:%M:%S"
    out: list[tuple[float, str]] = []
    while at <= scale.end:
        out.append((scale.x(at), at.strftime(fmt)))
        at += step
    return out


def _month_ticks(scale: _Scale, months: int) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    at = datetime(scale.start.year, scale.start.month, 1, tzinfo=UTC)
    while at <= scale.end:
        if at >= scale.start:
            out.append((scale.x(at), at.strftime("%b %Y" if at.month == 1 or not out else "%b")))
        month = at.month - 1 + months
        at = at.replace(year=at.year + month // 12, month=month % 12 + 1)
    return out


def _row(scale: _Scale, index: int, stage: StagePlan, now: datetime) -> Row:
    y = TOP + index * ROW
    label = stage_label(stage.stage.value)
    planned = scale.bar(
        stage.planned_start,
        stage.planned_end,
        f"{label} planned {stage.planned_start:%d %b} – {stage.planned_end:%d %b}",
    )
    actual = [
        scale.bar(
            s.start,
            s.end or now,
            f"{label}: {s.start:%d %b %H:%M} – " + (f"{s.end:%d %b %H:%M}" if s.end else "now"),
        )
        for s in stage.actual
    ]
    forecast = None
    if stage.forecast_start and stage.forecast_end and stage.status != "done":
        start = now if stage.status == "current" else stage.forecast_start
        if stage.forecast_end > start:
            forecast = scale.bar(start, stage.forecast_end, f"{label} forecast to {stage.forecast_end:%d %b}")
    note, note_class = _note(stage, now)
    return Row(y, stage.stage.value, label, stage.status, note, note_class, planned, actual, forecast)


def _note(stage: StagePlan, now: datetime) -> tuple[str, str]:
    v = stage.variance_days
    if stage.status == "not_reached":
        return "not reached", "muted"
    if stage.status == "upcoming":
        return ("planned" if v is None or v <= 0.5 else f"expected +{v:.0f} d"), "muted"
    slip = "" if v is None else ("on plan" if abs(v) < 0.5 else f"{v:+.0f} d vs plan")
    if stage.status == "current":
        return f"now · {span(now - stage.actual[-1].start)}" + (
            f" · {slip}" if slip else ""
        ), "late" if v and v >= 0.5 else "current"
    return f"done · {slip}" if slip else "done", "late" if v and v >= 0.5 else "ok"


def build(plan: JourneyPlan, events: list[StoredEvent], deadlines: list[Deadline]) -> Timeline:
    start, end = window(plan)
    scale, now = _Scale(start, end), plan.as_of
    rows = [_row(scale, i, s, now) for i, s in enumerate(plan.stages)]
    y_of = {r.stage: r.y for r in rows}
    markers = _event_markers(scale, events, y_of)
    current = next((r for r in rows if r.status == "current"), None)
    if current is not None:
        markers += [
            Marker(
                scale.x(d.due_at),
                current.y + MID,
                f"deadline-{d.action}",
                f"{d.action} {d.due_at:%d %b %H:%M}: {d.message}",
            )
            for d in deadlines
        ]
    follow_y = y_of.get(Stage.FOLLOW_UP.value, 0.0)
    grace = timedelta(seconds=plan_grace_seconds(plan))
    for v in plan.visits:
        missed = v.response is None and v.due_at + grace < now
        kind = "visit-done" if v.response else ("visit-missed" if missed else "visit")
        title = f"day {v.day} visit: " + (v.response or ("missed" if missed else f"due {v.due_at:%d %b %Y}"))
        markers.append(Marker(scale.x(v.due_at), follow_y + MID, kind, title, v.response or f"d{v.day}"))
    in_window = start <= now <= end
    visible = [m for m in markers if LEFT < m.x < WIDTH - RIGHT]
    return Timeline(
        width=WIDTH,
        height=TOP + len(rows) * ROW + 22,
        left=LEFT,
        right=RIGHT,
        top=TOP,
        rows=rows,
        ticks=ticks(scale),
        markers=visible,
        today_x=scale.x(now) if in_window and plan.ended_at is None else None,
        end_x=scale.x(plan.ended_at) if plan.ended_at else None,
        end_label=(plan.outcome.value.replace("_", " ") if plan.outcome else "ended"),
    )


def plan_grace_seconds(plan: JourneyPlan) -> float:
    row = next(r for r in plan.stages if r.stage is Stage.FOLLOW_UP)
    return (row.late_at - row.planned_end).total_seconds()


def _event_markers(scale: _Scale, events: list[StoredEvent], y_of: dict[str, float]) -> list[Marker]:
    """Milestones and alerts on the row of the stage they happened in."""
    out: list[Marker] = []
    stage = Stage.RECORDS.value
    for e in events:
        # Read through the domain's codec: typed events, not payload keys spelled again here.
        match e.to_event():
            case ev.StageEntered(stage=entered):
                stage = entered.value
            case ev.AlertRaised() as alert if stage in y_of:
                out.append(
                    Marker(
                        scale.x(e.occurred_at),
                        y_of[stage] + BAR_Y - 1,
                        f"alert-{alert.severity}",
                        f"{alert.severity} alert {alert.alert_id}: {alert.message}",
                    )
                )
            case ev.MilestoneAccepted() if stage in y_of:
                out.append(
                    Marker(
                        scale.x(e.occurred_at),
                        y_of[stage] + MID,
                        "milestone",
                        f"{e.kind.replace('_', ' ')} by {e.actor}, {e.occurred_at:%d %b %H:%M}",
                    )
                )
    return out
