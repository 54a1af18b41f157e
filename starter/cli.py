"""`journeys`: start and steer journeys, inspect them, and run each process of the service.

Ops commands are clients of the HTTP API (a URL and your token; no keys). Admin
commands (`setup`, `db`, `verify`, `worker`, `api`, `dev`, `demo`, `codec-server`)
read JOURNEYS_* settings and talk to Temporal or the database directly.

To add a command: write it in a module of your own under starter/ and register it
with one line at the bottom of this file.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from typing import Annotated

import typer

# Typer vendors Click; its exceptions are what `standalone_mode=False` lets through.
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from starter import exit_codes, security_commands
from starter.runner import CliError, fail, settings_problem

HELP = f"""CAR-T treatment journeys: ops commands and service processes.

Ops commands (start, status, milestone, withdraw, acknowledge, list, history) call the
HTTP API with your token, which also names you as the actor: --api/--token,
JOURNEYS_API_URL/JOURNEYS_API_TOKEN, or a profile (--profile, JOURNEYS_PROFILE) in
~/.config/journeys/config.toml (JOURNEYS_CONFIG overrides), e.g.

\b
    default_profile = "hub"
    [profiles.hub]
    api = "https://journeys.example.org"
    token_file = "~/.config/journeys/hub.token"   # or: token = "..."

Every command takes --json. Errors are one line on stderr.

{exit_codes.describe()}
"""

app = typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None)


def _version(value: bool) -> None:
    if value:
        print(f"journeys {metadata.version('cart-journeys')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit")
    ] = False,
    temporal_tls_cert: security_commands.TlsCert = None,
    temporal_tls_key: security_commands.TlsKey = None,
    temporal_tls_ca: security_commands.TlsCa = None,
    temporal_tls_server_name: security_commands.TlsServerName = None,
    temporal_api_key: security_commands.ApiKey = None,
) -> None:
    security_commands.temporal_connection(
        temporal_tls_cert, temporal_tls_key, temporal_tls_ca, temporal_tls_server_name, temporal_api_key
    )


# Ops commands first (that is the order `--help` lists them in), then admin and processes.
from starter import (  # noqa: E402
    api_commands,
    bench_commands,
    codec_commands,
    db_commands,
    journey_commands,
    setup_commands,
    stack_commands,
    worker_commands,
)

app.command()(journey_commands.start)
app.command()(journey_commands.status)
app.command()(journey_commands.milestone)
app.command()(journey_commands.withdraw)
app.command()(journey_commands.acknowledge)
app.command("list")(api_commands.list_journeys)
app.command()(db_commands.history)
app.command()(db_commands.verify)
app.add_typer(db_commands.db_app, name="db")
app.command()(setup_commands.setup)
app.command()(worker_commands.worker)
app.command()(api_commands.api)
app.command()(codec_commands.codec_server)
app.command()(stack_commands.dev)
app.command()(stack_commands.demo)
app.command(context_settings=bench_commands.BENCH_SETTINGS)(bench_commands.bench)
# Other modules' commands: one line each below.
security_commands.register(app)


def main() -> None:
    """Every expected failure leaves as one line on stderr with its exit code (see --help)."""
    code: int
    try:
        result = app(standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except ClickException as err:
        if isinstance(err, NoArgsIsHelpError):  # bare `journeys` or `journeys db`: the help
            print(err.format_message())
            code = 0
        else:
            where = getattr(getattr(err, "ctx", None), "command_path", "journeys")
            code = fail(
                CliError(f"{err.format_message()} (see `{where} --help`)", exit_codes.Exit.BAD_INPUT, "invalid_request")
            )
    except typer.Abort:
        code = exit_codes.Exit.INTERRUPTED
    except ValueError as err:
        problem = settings_problem(err)
        if problem is None:
            raise
        code = fail(problem)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
