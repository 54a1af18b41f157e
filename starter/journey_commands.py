"""`start`, `status`, `milestone`, `withdraw`, `acknowledge`: one journey, through the HTTP API.

Each is one API call made with the operator's own token (the API records the
token's actor); `status --temporal` is the one direct-Temporal read, for platform
admins who hold the keys while the API is down.
"""

from __future__ import annotations

import inspect
import json
import uuid
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from starter import milestone_args
from starter.exit_codes import Exit
from starter.remote import ApiOpt, JsonOpt, ProfileOpt, TokenOpt, api_client
from starter.runner import CliError, run

console = Console()

# Hidden, so an old script that types --actor gets told why instead of "no such option".
ActorGone = Annotated[str | None, typer.Option("--actor", hidden=True)]


def _no_actor(actor: str | None) -> None:
    if actor is not None:
        raise CliError(
            "--actor is gone: the API records the actor of your token (--token)", Exit.BAD_INPUT, "invalid_request"
        )


def emit(data: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        print_view(data)


def _facts(rows: list[tuple[str, object]]) -> None:
    table = Table(show_header=False, box=None)
    for key, value in rows:
        table.add_row(f"[bold]{key}[/bold]", str(value))
    console.print(table)


def _alerts(v: dict[str, Any]) -> str:
    return "; ".join(f"{a['alert_id']} {a['severity']}: {a['message']}" for a in v.get("open_alerts") or []) or "-"


def print_view(v: dict[str, Any]) -> None:
    nd = v.get("next_deadline")
    _facts(
        [
            ("journey", v["journey_id"]),
            ("centre", v["centre_id"]),
            ("product", v.get("product") or "-"),
            ("stage", v["stage"]),
            ("outcome", v.get("outcome") or "-"),
            ("in stage since", v["stage_entered_at"][:19]),
            ("COI", v.get("coi") or "-"),
            ("lot", v.get("lot") or "-"),
            ("next deadline", f"{nd['due_at'][:16]} {nd['action']}: {nd['message']}" if nd else "-"),
            ("overdue", "yes" if v.get("overdue") else "no"),
            ("open alerts", _alerts(v)),
        ]
    )


def start(
    patient_ref: Annotated[str, typer.Argument(help="Opaque patient reference (never a name)")],
    centre: Annotated[str, typer.Option(help="Centre id: pku, ludaopei, fuda, jiahui")],
    product: Annotated[str | None, typer.Option(help="Product id, if already known")] = None,
    language: Annotated[str, typer.Option(help="The patient's language, BCP 47 (en, zh-CN, ru, ar)")] = "en",
    interpreter: Annotated[bool, typer.Option("--interpreter", help="Book an interpreter for the stay")] = False,
    api: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
    actor: ActorGone = None,
) -> None:
    """Start a patient's journey (refused if the patient already has an active one). Needs an ops token."""

    def main() -> int:
        _no_actor(actor)
        body = {
            "patient_ref": patient_ref,
            "centre_id": centre,
            "product": product,
            "language": language,
            "interpreter_needed": interpreter,
        }
        emit(api_client(api, token, profile).call("POST", "/v1/journeys", json=body), as_json)
        return 0

    run(main, as_json=as_json)


def status(
    journey_id: str,
    api: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
    temporal: Annotated[
        bool, typer.Option("--temporal", help="Admin: ask Temporal directly (needs the JOURNEYS_* keys), not the API")
    ] = False,
) -> None:
    """Where a journey is: stage, deadlines, COI, alerts, outcome."""
    if temporal:
        run(_status_from_temporal(journey_id, as_json), as_json=as_json)

    def main() -> int:
        emit(api_client(api, token, profile).call("GET", f"/v1/journeys/{journey_id}"), as_json)
        return 0

    run(main, as_json=as_json)


async def _status_from_temporal(journey_id: str, as_json: bool) -> int:
    from journeys.client import ClientError, JourneyClient, JourneyNotFound, Unavailable
    from journeys.settings import get_settings
    from journeys.temporal import connect

    settings = get_settings()
    try:
        client = JourneyClient(await connect(settings), settings)
        view = await client.view(journey_id)
    except RuntimeError as err:
        raise CliError(
            f"cannot reach Temporal at {settings.temporal_address}: {err}", Exit.UNREACHABLE, "unreachable"
        ) from None
    except JourneyNotFound as err:
        raise CliError(err.reason, Exit.NOT_FOUND, err.code) from None
    except Unavailable as err:
        raise CliError(err.reason, Exit.UNREACHABLE, err.code) from None
    except ClientError as err:
        raise CliError(err.reason, Exit.ERROR, err.code) from None
    emit(view.model_dump(mode="json"), as_json)
    return 0


def print_surveillance(v: dict[str, Any]) -> None:
    checks = v.get("checks") or {}
    due = v.get("next_check_due")
    _facts(
        [
            ("journey", v["journey_id"]),
            ("centre", v["centre_id"]),
            ("surveillance", v["status"] + (f" ({v['end_reason']})" if v.get("end_reason") else "")),
            ("checks", ", ".join(f"year {y}: {s}" for y, s in sorted(checks.items(), key=lambda c: int(c[0]))) or "-"),
            ("missed years", ", ".join(str(y) for y in v.get("missed") or []) or "-"),
            ("next check", f"year {v['next_check_year']} due {due[:10]}" if due else "-"),
            ("overdue", "yes" if v.get("overdue") else "no"),
            ("open alerts", _alerts(v)),
        ]
    )


def milestone(
    journey_id: str,
    kind: Annotated[str, typer.Argument(help="Milestone kind, e.g. apheresis_completed")],
    fields: Annotated[
        list[str] | None,
        typer.Argument(help="Fields as key=value, typed by the kind's model (lot=12345 stays a string)"),
    ] = None,
    milestone_id: Annotated[
        str | None, typer.Option(help="Idempotency id: resend with the same id after a timeout; generated if omitted")
    ] = None,
    occurred_at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When it happened, ISO 8601 with offset, e.g. 2026-06-10T09:30+08:00 (default: now; "
            "no offset means UTC)",
        ),
    ] = None,
    api: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
    actor: ActorGone = None,
) -> None:
    """Report a milestone; fields are typed by the kind's model (lot=12345 stays a string).

    e.g. journeys milestone J3b0c... product_released coi=COI-1 lot=12345 --token <centre token>

    A refusal by a pathway rule (wrong stage, COI mismatch, ended journey) prints the rule's code
    and reason on stderr and exits 4; nothing is recorded except, for safety refusals, the alert.

    A yearly long-term surveillance check is reported the same way, e.g.
    journeys milestone J3b0c... surveillance_check_recorded year=3 alive=true disease_status=remission
    (omit year for a relapse or death between checks).
    """

    def main() -> int:
        _no_actor(actor)
        m = milestone_args.build(kind, fields or [], milestone_id or uuid.uuid4().hex, milestone_args.when(occurred_at))
        body = m.model_dump(mode="json", exclude_none=True)
        answer = api_client(api, token, profile).call("POST", milestone_args.path(journey_id, m), json=body)
        if as_json or "stage" in answer:
            emit(answer, as_json)
        else:
            print_surveillance(answer)
        return 0

    run(main, as_json=as_json)


milestone.__doc__ = f"{inspect.cleandoc(milestone.__doc__ or '')}\n\n{milestone_args.fields_help()}"


def withdraw(
    journey_id: str,
    reason: Annotated[str, typer.Option(help="Why the journey stops")],
    api: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
    actor: ActorGone = None,
) -> None:
    """Withdraw a journey (ops): bookings are cancelled in reverse order and the centre told."""

    def main() -> int:
        _no_actor(actor)
        emit(
            api_client(api, token, profile).call(
                "POST", f"/v1/journeys/{journey_id}/withdraw", json={"reason": reason}
            ),
            as_json,
        )
        return 0

    run(main, as_json=as_json)


def acknowledge(
    journey_id: str,
    alert_id: Annotated[str, typer.Argument(help="The open alert's id, as `status` lists it (e.g. A1)")],
    note: Annotated[str, typer.Option(help="What was done about it (recorded with the acknowledgement)")] = "",
    api: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Acknowledge an open alert (ops): it leaves the journey's open alerts; the event log keeps it."""

    def main() -> int:
        emit(
            api_client(api, token, profile).call(
                "POST", f"/v1/journeys/{journey_id}/alerts/{alert_id}/acknowledge", json={"note": note}
            ),
            as_json,
        )
        return 0

    run(main, as_json=as_json)
