"""`key=value` arguments of `journeys milestone`, typed by the milestone's own model.

A yearly long-term surveillance check (`surveillance_check_recorded`) is taken the same
way and goes to the journey's surveillance instead of its pathway.

Nothing is guessed from how a value looks: `lot=12345` stays the string the model
asks for, `crs_grade=3` becomes the int it asks for, `eligible=true` a bool. List
fields take the key once per item (`documents=pathology documents=imaging`).
"""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from types import UnionType
from typing import Any

from pydantic import BaseModel, ValidationError

from domain.milestones import Milestone, parse_milestone
from domain.surveillance import SurveillanceCheck
from starter.exit_codes import Exit
from starter.runner import CliError

RESERVED = {"kind", "milestone_id", "occurred_at"}


def milestone_models() -> dict[str, type[BaseModel]]:
    """Every milestone kind the domain knows, read from the discriminated union itself,
    and the surveillance check."""
    union = typing.get_args(Milestone)[0]
    models = {cls.model_fields["kind"].default: cls for cls in typing.get_args(union)}
    return {**models, SURVEILLANCE_CHECK: SurveillanceCheck}


SURVEILLANCE_CHECK: str = SurveillanceCheck.model_fields["kind"].default


def path(journey_id: str, report: Milestone | SurveillanceCheck) -> str:
    """Where the API takes a report: the pathway's milestones or the surveillance checks."""
    if isinstance(report, SurveillanceCheck):
        return f"/v1/journeys/{journey_id}/surveillance/checks"
    return f"/v1/journeys/{journey_id}/milestones"


def _is_list(model: type[BaseModel], name: str) -> bool:
    annotation = model.model_fields[name].annotation
    options = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, UnionType) else ()
    return any(typing.get_origin(t) is list for t in (annotation, *options))


def build(kind: str, fields: list[str], milestone_id: str, occurred_at: datetime) -> Milestone | SurveillanceCheck:
    models = milestone_models()
    model = models.get(kind)
    if model is None:
        raise CliError(
            f"unknown milestone kind {kind!r}; one of: {', '.join(models)}", Exit.BAD_INPUT, "invalid_request"
        )
    allowed = set(model.model_fields) - RESERVED
    body: dict[str, Any] = {"kind": kind, "milestone_id": milestone_id, "occurred_at": occurred_at}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"expected key=value, got {item!r}", Exit.BAD_INPUT, "invalid_request")
        if key not in allowed:
            names = ", ".join(sorted(allowed)) or "none"
            raise CliError(f"{kind} has no field {key!r}; its fields: {names}", Exit.BAD_INPUT, "invalid_request")
        if _is_list(model, key):
            body.setdefault(key, []).append(value)
        elif key in body:
            raise CliError(f"{key} given twice", Exit.BAD_INPUT, "invalid_request")
        else:
            body[key] = value
    try:
        # Python-mode validation converts each string to the field's declared type
        # (int, bool, datetime, a Literal); a str field keeps the string as typed.
        return SurveillanceCheck.model_validate(body) if model is SurveillanceCheck else parse_milestone(body)
    except ValidationError as err:
        # A milestone's errors are located under its kind (the union's tag); a check's are not.
        skip = 0 if model is SurveillanceCheck else 1
        problems = "; ".join(
            (f"{'.'.join(str(p) for p in e['loc'][skip:])}: " if e["loc"][skip:] else "") + e["msg"]
            for e in err.errors(include_url=False, include_input=False)
        )
        raise CliError(f"invalid {kind}: {problems}", Exit.BAD_INPUT, "invalid_request") from None


def when(text: str | None) -> datetime:
    """`--at`: ISO 8601; without an offset it is UTC, never the machine's local zone."""
    if text is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"--at {text!r} is not ISO 8601 (e.g. 2026-06-10T09:30+08:00)", Exit.BAD_INPUT, "invalid_request"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def fields_help() -> str:
    lines = []
    for kind, model in milestone_models().items():
        names = [n for n in model.model_fields if n not in RESERVED]
        lines.append(f"  {kind}: {' '.join(names) or '-'}")
    return "\b\nKinds and their fields:\n" + "\n".join(lines)
