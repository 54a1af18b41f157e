"""`journeys api` (serve the HTTP API and manager page) and `journeys list` (the journey list).

`list` asks the API with the operator's token, like every ops command; `--database`
reads the projections straight from the event store (an admin with the database URL).
Either way the rows are the same projection rows.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from domain.stages import Outcome, Stage
from journeys import reference_data
from journeys.settings import get_settings
from starter.exit_codes import Exit
from starter.remote import ApiOpt, JsonOpt, ProfileOpt, TokenOpt, api_client
from starter.runner import CliError, run

console = Console()


def api(
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on (default JOURNEYS_API_HOST, 127.0.0.1)"),
    ] = None,
    api_port: Annotated[int | None, typer.Option("--api-port", help="Port (default JOURNEYS_API_PORT, 8000)")] = None,
) -> None:
    """Serve the HTTP API (/v1, /docs) and the manager page (/ui)."""
    from api.main import serve
    from journeys.logs import configure

    settings = get_settings()
    configure(settings.log_level)
    host, port = host or settings.api_host, api_port or settings.api_port

    async def main() -> int:
        from api.deps import parse_tokens
        from starter.db_commands import guard_store

        try:
            parse_tokens(settings.tokens(), settings.id_secret())
        except ValueError as err:
            raise CliError(str(err), Exit.MISCONFIGURED, "misconfigured") from None
        _port_free(host, port)
        return await guard_store(serve(settings, host, port))

    run(main())


def _port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as err:
            raise CliError(
                f"cannot listen on {host}:{port}: {err.strerror}; stop whatever holds it or pass --api-port"
            ) from None


class Surveillance(StrEnum):
    active = "active"
    ended = "ended"


def list_journeys(
    stage: Annotated[Stage | None, typer.Option(help="Only journeys in this stage")] = None,
    centre: Annotated[str | None, typer.Option(help="Centre id: pku, ludaopei, fuda, jiahui")] = None,
    overdue: Annotated[bool | None, typer.Option("--overdue/--on-time", help="Only overdue / on-time")] = None,
    outcome: Annotated[Outcome | None, typer.Option(help="Only ended journeys with this outcome")] = None,
    surveillance: Annotated[
        Surveillance | None,
        typer.Option(help="Only completed journeys whose long-term surveillance is active / ended"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    cursor: Annotated[str | None, typer.Option(help="next_cursor printed by the previous page")] = None,
    database: Annotated[
        bool, typer.Option("--database", help="Admin: read JOURNEYS_DATABASE_URL directly instead of the API")
    ] = False,
    api_url: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List journeys with their stage, time in stage, next deadline, overdue flag and alerts."""
    if centre is not None and centre not in reference_data.centres():
        known = ", ".join(reference_data.centres())
        raise typer.BadParameter(f"unknown centre {centre!r}; one of: {known}", param_hint="--centre")
    filters = {
        "stage": stage.value if stage else None,
        "centre": centre,
        "overdue": overdue,
        "outcome": outcome.value if outcome else None,
        "surveillance": surveillance.value if surveillance else None,
        "limit": limit,
        "cursor": cursor,
    }

    async def from_store() -> int:
        _print(await _from_store(filters), as_json)
        return 0

    def from_api() -> int:
        params = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in filters.items() if v is not None}
        _print(api_client(api_url, token, profile).call("GET", "/v1/journeys", params=params), as_json)
        return 0

    run(from_store() if database else from_api, as_json=as_json)


async def _from_store(filters: dict[str, Any]) -> dict[str, Any]:
    from starter.db_commands import guard_store
    from store.base import BadCursor
    from store.factory import open_store

    async def read() -> dict[str, Any]:
        store = await open_store(get_settings().database_url)
        try:
            page = await store.list_journeys(**filters)
        except BadCursor as err:
            raise CliError(str(err), Exit.BAD_INPUT, "invalid_request") from None
        finally:
            await store.close()
        return {
            "journeys": [r.model_dump(mode="json") for r in page.rows],
            "next_cursor": page.next_cursor,
        }

    return await guard_store(read())


def _print(page: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(page, indent=2))
        return
    now = datetime.now(UTC)
    table = Table(show_lines=False)
    table.add_column("journey", no_wrap=True)
    for col in ("centre", "stage", "in stage", "next deadline", "overdue", "alerts"):
        table.add_column(col)
    for row in page["journeys"]:
        entered = datetime.fromisoformat(row["entered_stage_at"])
        due = row["next_deadline"]
        stage = row["stage"] + (f" ({row['outcome']})" if row["outcome"] else "")
        if row.get("surveillance"):
            stage += f", surveillance {row['surveillance']}"
        table.add_row(
            row["journey_id"],
            row["centre_id"],
            stage,
            "" if row["outcome"] else f"{(now - entered).total_seconds() / 86400:.1f} d",
            f"{row['next_deadline_action']} {due[:16].replace('T', ' ')}" if due else "-",
            "[red]yes[/red]" if row["overdue"] else "no",
            str(row["open_alerts"] or ""),
        )
    console.print(table)
    if page.get("next_cursor"):
        console.print(f"more: --cursor {page['next_cursor']}")
