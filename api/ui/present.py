"""How things read on the manager page: stage names and colours, durations, event summaries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain.stages import Stage
from journeys import reference_data
from store.base import StoredEvent
from store.projection import JourneyRow

STAGE_LABELS = {
    "records": "Records",
    "teleconsult": "Teleconsult",
    "screening": "Screening",
    "travel": "Travel & admission",
    "apheresis": "Apheresis",
    "manufacturing": "Manufacturing",
    "infusion": "Infusion",
    "stay": "Inpatient stay",
    "follow_up": "Follow-up",
    "ended": "Ended",
}
OUTCOME_LABELS = {
    "completed": "Completed",
    "ineligible": "Ineligible",
    "lapsed": "Lapsed",
    "withdrawn": "Withdrawn",
    "manufacturing_failed": "Manufacturing failed",
    "relapsed": "Relapsed",
    "deceased": "Deceased",
    "lost_to_follow_up": "Lost to follow-up",
}
# Fields worth a glance in the history table; free text is shortened, patient_ref never shown.
SUMMARY_FIELDS = (
    "outcome",
    "eligible",
    "product",
    "estimate_usd",
    "coi",
    "lot",
    "next",
    "reason",
    "crs_grade",
    "icans_grade",
    "override_reason",
    "visit_day",
    "response",
    "term",
    "grade",
    "cause",
    "item",
    "reference",
    "alert_id",
    "note",
    "severity",
    "message",
    "centre_id",
    "stage",
    "interpreter",
    "documents",
)


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def outcome_label(outcome: str | None) -> str:
    return OUTCOME_LABELS.get(outcome or "", outcome or "")


def centre_name(centre_id: str) -> str:
    centre = reference_data.centres().get(centre_id)
    return centre.name if centre else centre_id


def product_name(product: str | None) -> str:
    if not product:
        return "not chosen yet"
    known = reference_data.products().get(product)
    return known.name if known else product


def span(delta: timedelta) -> str:
    """A duration as a person says it: 3 d, 5 h, 12 min, 40 s."""
    seconds = abs(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} d"
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def when(at: datetime | None, now: datetime) -> str:
    if at is None:
        return ""
    delta = at - now
    return f"in {span(delta)}" if delta.total_seconds() >= 0 else f"{span(delta)} ago"


def date(at: datetime | None, with_time: bool = False) -> str:
    if at is None:
        return "—"
    return at.strftime("%d %b %Y %H:%M UTC" if with_time else "%d %b %Y")


def short_id(journey_id: str) -> str:
    return journey_id if len(journey_id) <= 12 else journey_id[:9] + "…"


def list_row(row: JourneyRow, now: datetime) -> dict[str, Any]:
    late = row.next_deadline is not None and row.next_deadline <= now
    return {
        "id": row.journey_id,
        "short": short_id(row.journey_id),
        "centre": centre_name(row.centre_id),
        "centre_id": row.centre_id,
        "product": row.product or "",
        "stage": row.stage.value,
        "stage_label": stage_label(row.stage.value),
        "outcome": row.outcome.value if row.outcome else None,
        "outcome_label": outcome_label(row.outcome.value if row.outcome else None),
        "in_stage": span(now - row.entered_stage_at) if row.stage is not Stage.ENDED else "",
        "since": date(row.entered_stage_at),
        "deadline": date(row.next_deadline),
        "deadline_when": when(row.next_deadline, now),
        "deadline_action": row.next_deadline_action or "",
        "deadline_late": late,
        "overdue": row.overdue,
        "alerts": row.open_alerts,
        "started": date(row.started_at),
        "surveillance": row.surveillance,
        "surveillance_due": date(row.surveillance_due),
    }


def humanise_kind(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def _hand_off(p: dict[str, Any]) -> str:
    temp = f" · {p['temperature_c']:g} °C" if p.get("temperature_c") is not None else ""
    seal = f" · seal {p['seal_id']}" if p.get("seal_id") else ""
    return f"{p.get('from_party')} → {p.get('to_party')} · {p.get('condition')}{temp}{seal}"


def _reservation(p: dict[str, Any]) -> str:
    placed = p.get("placement") or {}
    weeks = ", ".join(f"{r} {w}" for r, w in sorted((placed.get("weeks") or {}).items()))
    where = f"waiting #{placed.get('position')}" if placed.get("status") == "waiting" else "reserved"
    return f"{where}: {weeks or 'no week in sight'} · {p.get('reason')}"


# Chain of custody and capacity (DESIGN §1b): what a person reads first about each.
LOGISTICS_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "custody_transferred": _hand_off,
    "quality_release": lambda p: (
        f"{p.get('decision')} by {p.get('approved_by')}" + (f" · {p['reason']}" if p.get("reason") else "")
    ),
    "reservation_updated": _reservation,
}


def summary(event: StoredEvent) -> str:
    payload = event.payload
    if event.kind == "journey_started":
        return f"centre {payload.get('centre_id')}, product {payload.get('product') or 'not chosen'}"
    if event.kind == "stage_entered":
        return f"→ {stage_label(str(payload.get('stage')))}"
    if event.kind in LOGISTICS_SUMMARIES:
        return LOGISTICS_SUMMARIES[event.kind](payload)
    parts = []
    for key in SUMMARY_FIELDS:
        value = payload.get(key)
        if value in (None, "", [], {}) or key == "stage":
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(text if key in ("message", "reason", "cause", "note") else f"{key}={text}")
    line = " · ".join(parts)
    return line if len(line) <= 160 else line[:157] + "…"


def event_row(event: StoredEvent, previous: StoredEvent | None) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "label": humanise_kind(event.kind),
        "actor": event.actor,
        "actor_kind": event.actor.partition(":")[0],
        "occurred": date(event.occurred_at, with_time=True),
        "summary": summary(event),
        "hash": event.hash[:10],
        "prev": event.prev_hash[:10],
        "linked": previous is None or previous.hash == event.prev_hash,
        "alert": event.kind == "alert_raised",
        "severity": event.payload.get("severity", ""),
    }
