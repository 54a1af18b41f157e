"""`journeys db ...`, `journeys history` and `journeys verify`: the event store from the shell.

They read JOURNEYS_DATABASE_URL and talk to the database only, never to Temporal,
so they work after Temporal has forgotten a journey. `history` asks the API like the
other ops commands, or the database with `--database`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.table import Table

from journeys.settings import get_settings
from starter.exit_codes import Exit
from starter.progress import counting
from starter.remote import ApiOpt, JsonOpt, ProfileOpt, TokenOpt, api_client
from starter.runner import CliError, run

if TYPE_CHECKING:
    from store.base import JourneyStore, VerifyResult

T = TypeVar("T")
EXIT_BROKEN = Exit.BROKEN_CHAIN

db_app = typer.Typer(help="The event store's database: schema and projections.", no_args_is_help=True)
console = Console()


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    return url if url.startswith("memory:") else make_url(url).render_as_string(hide_password=True)


async def guard_store(work: Awaitable[T]) -> T:
    """Turn event-store failures into one clear line and a non-zero exit."""
    from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

    from store.base import JourneyNotFound, StoreError, StoreUnavailable

    def where() -> str:
        return _where(get_settings().database_url)

    try:
        return await work
    except JourneyNotFound as err:
        raise CliError(
            f"journey {err} not found in the event store at {where()}", Exit.NOT_FOUND, "not_found"
        ) from None
    except StoreUnavailable as err:
        raise CliError(f"{err} (event store at {where()})", Exit.UNREACHABLE, "unavailable") from None
    except StoreError as err:
        raise CliError(f"{err} (event store at {where()})") from None
    except (OperationalError, InterfaceError, OSError) as err:
        raise CliError(
            f"cannot reach the database at {where()}: {str(err).splitlines()[0]}", Exit.UNREACHABLE, "unavailable"
        ) from None
    except SQLAlchemyError as err:
        raise CliError(f"database error at {where()}: {str(err).splitlines()[0]}") from None


async def _open() -> JourneyStore:
    from store.factory import open_store

    return await guard_store(open_store(get_settings().database_url))


@db_app.command("upgrade")
def upgrade(as_json: JsonOpt = False) -> None:
    """Create the event-store schema or migrate it to the latest revision (idempotent)."""

    async def main() -> int:
        from store.factory import upgrade_database

        url = get_settings().database_url
        revision = await guard_store(upgrade_database(url))
        if as_json:
            print(json.dumps({"revision": revision, "database": _where(url)}))
        else:
            console.print(f"event store schema at revision {revision or '-'} ({_where(url)})")
        return 0

    run(main(), as_json=as_json)


@db_app.command("rebuild-projections")
def rebuild_projections(as_json: JsonOpt = False) -> None:
    """Recompute the journey list and stage durations from the event log (progress on stderr)."""

    async def main() -> int:
        store = await _open()
        began = time.perf_counter()
        with counting("events folded") as progress:
            count = await guard_store(store.rebuild_projections(progress.update))
        took = time.perf_counter() - began
        await store.close()
        if as_json:
            print(json.dumps({"events": count, "seconds": round(took, 3)}))
        else:
            console.print(f"projections rebuilt from {count} events in {took:.2f}s")
        return 0

    run(main(), as_json=as_json)


def _short(h: str) -> str:
    return h[:10]


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class StoredEventView(BaseModel):
    seq: int
    kind: str
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    prev_hash: str
    hash: str


def _print_history(events: list[StoredEventView]) -> None:
    table = Table("seq", "kind", "actor", "occurred at (UTC)", "recorded at (UTC)", "prev", "hash", box=box.SIMPLE)
    for e in events:
        table.add_row(
            str(e.seq), e.kind, e.actor, _utc(e.occurred_at), _utc(e.recorded_at), _short(e.prev_hash), _short(e.hash)
        )
    # A log is wide by nature; never cut a hash or a kind to fit an 80-column pipe.
    Console(width=max(console.width, 140)).print(table)


def history(
    journey_id: str,
    database: Annotated[
        bool, typer.Option("--database", help="Admin: read JOURNEYS_DATABASE_URL directly instead of the API")
    ] = False,
    api: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The journey's domain events from the event log, in order, with actors and hashes.

    `--json` prints the events as a list, the same with or without `--database`."""

    async def from_store() -> int:
        store = await _open()
        events = await guard_store(store.read(journey_id))
        await store.close()
        _emit_history([e.model_dump(mode="json") for e in events], as_json)
        return 0

    def from_api() -> int:
        answer = api_client(api, token, profile).call("GET", f"/v1/journeys/{journey_id}/history")
        _emit_history(answer["events"], as_json)
        return 0

    run(from_store() if database else from_api, as_json=as_json)


def _emit_history(events: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(events, indent=2))
    else:
        _print_history([StoredEventView.model_validate(e) for e in events])


def _report(result: VerifyResult) -> None:
    if result.ok:
        console.print(f"{result.journey_id}: chain intact ({result.events} events)")
    else:
        console.print(f"[red]{result.journey_id}: BROKEN at seq {result.first_broken_seq}[/red]: {result.problem}")


async def _verify_all(store: JourneyStore, as_json: bool) -> list[VerifyResult]:
    results: list[VerifyResult] = []
    broken = 0
    with counting("journeys verified") as progress:
        async for r in store.verify_all():
            results.append(r)
            if not r.ok:
                broken += 1
                if not as_json:
                    _report(r)
            progress.update(len(results), f"{broken} broken" if broken else "")
    return results


def verify(
    journey_id: Annotated[str | None, typer.Argument(help="Journey to check")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Check every journey in the log (progress on stderr)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Recompute a journey's hash chain (or every chain) and name the first broken link.

    Exit 0: intact; 3: a chain is broken; 5: no such journey. Reads the database directly."""
    if (journey_id is None) == (not all_):
        raise typer.BadParameter("give either a JOURNEY_ID or --all")

    async def main() -> int:
        store = await _open()
        if journey_id is not None:
            results = [await guard_store(store.verify(journey_id))]
        else:
            results = await guard_store(_verify_all(store, as_json))
        await store.close()
        broken = [r for r in results if not r.ok]
        if as_json:
            print(
                json.dumps(
                    {
                        "journeys": len(results),
                        "events": sum(r.events for r in results),
                        "broken": [r.model_dump(mode="json") for r in broken],
                    },
                    indent=2,
                )
            )
        elif journey_id is not None:
            _report(results[0])
        else:
            console.print(
                f"verified {len(results)} journeys, {sum(r.events for r in results)} "
                f"events: {len(broken) or 'no'} broken chain(s)"
            )
        return Exit.BROKEN_CHAIN if broken else 0

    run(main(), as_json=as_json)
