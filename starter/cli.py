"""`journeys`: start and steer journeys, inspect them, and run each process of the service."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from domain.milestones import parse_milestone
from domain.view import JourneyView
from journeys.client import ClientError, JourneyClient
from journeys.settings import get_settings
from starter.runner import CliError, run

app = typer.Typer(help="CAR-T treatment journeys: ops commands and service processes.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()

Actor = Annotated[str, typer.Option(help="Who is acting: ops:<user> or centre:<id>")]


async def _client() -> JourneyClient:
    from journeys.temporal import connect

    settings = get_settings()
    try:
        client = await connect(settings)
    except RuntimeError as err:
        raise CliError(f"cannot reach Temporal at {settings.temporal_address}: {err}") from None
    return JourneyClient(client, settings)


def _print_view(v: JourneyView, as_json: bool) -> None:
    if as_json:
        console.print_json(v.model_dump_json())
        return
    table = Table(show_header=False, box=None)
    nd = v.next_deadline
    for key, value in [
        ("journey", v.journey_id), ("centre", v.centre_id), ("product", v.product or "-"),
        ("stage", v.stage.value), ("outcome", v.outcome.value if v.outcome else "-"),
        ("in stage since", v.stage_entered_at.isoformat(timespec="seconds")),
        ("COI", v.coi or "-"),
        ("next deadline", f"{nd.due_at.isoformat(timespec='minutes')} {nd.action}: {nd.message}" if nd else "-"),
        ("overdue", "yes" if v.overdue else "no"),
        ("open alerts", "; ".join(f"{a.alert_id} {a.severity}: {a.message}" for a in v.open_alerts) or "-"),
    ]:
        table.add_row(f"[bold]{key}[/bold]", str(value))
    console.print(table)


async def _guard(coro: Any) -> Any:
    try:
        return await coro
    except ClientError as err:
        raise CliError(f"{err.code}: {err.reason}") from None


@app.command()
def start(
    patient_ref: Annotated[str, typer.Argument(help="Opaque patient reference (never a name)")],
    centre: Annotated[str, typer.Option(help="Centre id: pku, ludaopei, fuda, jiahui")],
    product: Annotated[str | None, typer.Option(help="Product id, if already known")] = None,
    actor: Actor = "ops:cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Start a patient's journey (refused if the patient already has an active one)."""

    async def main() -> int:
        c = await _client()
        _print_view(await _guard(c.start(patient_ref=patient_ref, centre_id=centre, product=product,
                                         actor=actor)), as_json)
        return 0

    run(main())


@app.command()
def status(journey_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Where a journey is: stage, deadlines, COI, alerts, outcome."""

    async def main() -> int:
        c = await _client()
        _print_view(await _guard(c.view(journey_id)), as_json)
        return 0

    run(main())


@app.command()
def milestone(
    journey_id: str,
    kind: Annotated[str, typer.Argument(help="Milestone kind, e.g. apheresis_completed")],
    fields: Annotated[list[str] | None, typer.Argument(help="Fields as key=value (JSON values allowed)")] = None,
    actor: Actor = "ops:cli",
    milestone_id: Annotated[str | None, typer.Option(help="Idempotency id; generated if omitted")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Report a milestone, e.g. `journeys milestone J.. apheresis_completed coi=COI-1 --actor centre:pku`."""
    body: dict[str, Any] = {"kind": kind, "milestone_id": milestone_id or uuid.uuid4().hex,
                            "occurred_at": datetime.now(UTC)}
    for item in fields or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected key=value, got {item!r}")
        try:
            body[key] = json.loads(raw)
        except json.JSONDecodeError:
            body[key] = raw
    try:
        m = parse_milestone(body)
    except ValidationError as err:
        console.print(f"[red]invalid milestone:[/red] {err.errors(include_url=False)}")
        raise typer.Exit(2) from None

    async def main() -> int:
        c = await _client()
        _print_view(await _guard(c.report(journey_id, m, actor)), as_json)
        return 0

    run(main())


@app.command()
def withdraw(journey_id: str, reason: Annotated[str, typer.Option(help="Why the journey stops")],
             actor: Actor = "ops:cli") -> None:
    """Withdraw a journey: bookings are cancelled in reverse order and the centre told."""

    async def main() -> int:
        c = await _client()
        _print_view(await _guard(c.withdraw(journey_id, reason, actor)), False)
        return 0

    run(main())


@app.command()
def worker() -> None:
    """Run a worker (stateless; run as many as throughput needs)."""
    import worker as worker_module
    from journeys.logs import configure

    settings = get_settings()
    configure(settings.log_level)
    run(db_commands.guard_store(worker_module.run(settings)))


from starter import codec_commands, db_commands, setup_commands, stack_commands  # noqa: E402

app.command()(codec_commands.codec_server)
app.command()(setup_commands.setup)
app.command()(stack_commands.dev)
app.command()(stack_commands.demo)
app.add_typer(db_commands.db_app, name="db")
app.command()(db_commands.history)
app.command()(db_commands.verify)

from starter import api_commands  # noqa: E402

app.command()(api_commands.api)
app.command("list")(api_commands.list_journeys)

from starter import bench_commands  # noqa: E402

app.command(context_settings=bench_commands.BENCH_SETTINGS)(bench_commands.bench)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
