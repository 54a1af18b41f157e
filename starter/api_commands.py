"""`journeys api` (serve the HTTP API and manager page) and `journeys list` (the journey list).

`list` reads the projections straight from the event store, or, given `--api`
(or JOURNEYS_API_URL), asks a running API with a bearer token, as a remote ops
user would. Either way the rows are the same projection rows.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from journeys.settings import get_settings
from starter.runner import CliError, run

console = Console()


def api(
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on (default JOURNEYS_API_HOST, 127.0.0.1)"),
    ] = None,
    api_port: Annotated[
        int | None, typer.Option("--api-port", help="Port (default JOURNEYS_API_PORT, 8000)")
    ] = None,
) -> None:
    """Serve the HTTP API (/v1, /docs) and the manager page (/ui)."""
    from api.main import serve
    from journeys.logs import configure

    settings = get_settings()
    configure(settings.log_level)
    host, port = host or settings.api_host, api_port or settings.api_port
    try:
        from api.deps import parse_tokens

        parse_tokens(settings.api_tokens)
    except ValueError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from None
    _port_free(host, port)
    run(_guarded(serve(settings, host, port)))


async def _guarded(work: Any) -> int:
    from starter.db_commands import guard_store

    return await guard_store(work)


def _port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as err:
            console.print(
                f"[red]error:[/red] cannot listen on {host}:{port}: {err.strerror}; "
                "stop whatever holds it or pass --api-port"
            )
            raise typer.Exit(1) from None


def list_journeys(
    stage: Annotated[
        str | None, typer.Option(help="records, teleconsult, ..., follow_up, ended")
    ] = None,
    centre: Annotated[
        str | None, typer.Option(help="Centre id: pku, ludaopei, fuda, jiahui")
    ] = None,
    overdue: Annotated[
        bool | None, typer.Option("--overdue/--on-time", help="Only overdue / on-time")
    ] = None,
    outcome: Annotated[
        str | None, typer.Option(help="completed, ineligible, lapsed, withdrawn, ...")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    cursor: Annotated[
        str | None, typer.Option(help="next_cursor printed by the previous page")
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api", envvar="JOURNEYS_API_URL", help="Ask a running API instead of the database"
        ),
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="JOURNEYS_API_TOKEN", help="Bearer token for --api")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List journeys with their stage, time in stage, next deadline, overdue flag and alerts."""
    filters = {
        "stage": stage,
        "centre": centre,
        "overdue": overdue,
        "outcome": outcome,
        "limit": limit,
        "cursor": cursor,
    }

    async def main() -> int:
        page = await (_from_api(api_url, token, filters) if api_url else _from_store(filters))
        _print(page, as_json)
        return 0

    run(main())


async def _from_store(filters: dict[str, Any]) -> dict[str, Any]:
    from starter.db_commands import guard_store
    from store.base import BadCursor
    from store.factory import open_store

    async def read() -> dict[str, Any]:
        store = await open_store(get_settings().database_url)
        try:
            page = await store.list_journeys(**filters)
        except BadCursor as err:
            raise CliError(str(err)) from None
        finally:
            await store.close()
        return {
            "journeys": [r.model_dump(mode="json") for r in page.rows],
            "next_cursor": page.next_cursor,
        }

    return await guard_store(read())


async def _from_api(url: str, token: str | None, filters: dict[str, Any]) -> dict[str, Any]:
    import httpx

    if not token:
        raise CliError("--api needs a token: pass --token or set JOURNEYS_API_TOKEN")
    params = {
        k: (str(v).lower() if isinstance(v, bool) else v)
        for k, v in filters.items()
        if v is not None
    }
    try:
        async with httpx.AsyncClient(base_url=url.rstrip("/"), timeout=30) as http:
            r = await http.get(
                "/v1/journeys", params=params, headers={"Authorization": f"Bearer {token}"}
            )
    except httpx.HTTPError as err:
        raise CliError(f"cannot reach the API at {url}: {err}") from None
    if r.status_code != 200:
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        raise CliError(
            f"API answered {r.status_code}: {body.get('code', '')} "
            f"{body.get('reason', r.text[:200])}"
        )
    return r.json()  # type: ignore[no-any-return]


def _print(page: dict[str, Any], as_json: bool) -> None:
    if as_json:
        console.print_json(data=page)
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
