"""The rules every `journeys` command keeps, including commands added later: `--json` and no `--actor`."""

from __future__ import annotations

import typer
from typer.main import get_command

from starter.cli import app

# Long-running processes: they serve or drive, they print no result to format.
PROCESSES = {"worker", "api", "codec-server", "dev", "demo", "bench"}


def commands() -> dict[str, object]:
    root = get_command(app)
    found: dict[str, object] = {}
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            found.update({f"{name} {sub}": c for sub, c in subcommands.items()})
        else:
            found[name] = command
    return found


def options(command: object) -> set[str]:
    return {opt for param in command.params for opt in param.opts if not getattr(param, "hidden", False)}  # type: ignore[attr-defined]


def test_every_command_that_answers_takes_json() -> None:
    missing = [
        name for name, command in commands().items() if name not in PROCESSES and "--json" not in options(command)
    ]
    assert missing == [], f"commands without --json: {missing}"


def test_no_command_lets_you_type_who_you_are() -> None:
    typed = [name for name, command in commands().items() if "--actor" in options(command)]
    assert typed == [], f"the actor comes from the token, never typed: {typed}"


def test_ops_commands_are_api_clients_with_a_token() -> None:
    for name in ("start", "status", "milestone", "withdraw", "acknowledge", "list", "history"):
        assert {"--api", "--token", "--profile"} <= options(commands()[name]), name
    assert isinstance(app, typer.Typer)
