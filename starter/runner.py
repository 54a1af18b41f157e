"""Run a CLI command, turn every expected failure into one line on stderr and its exit code.

The Temporal SDK's Rust bridge can abort the interpreter during finalisation
after all work succeeded (sdk-python issue 300): flush and `os._exit` instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from pydantic import ValidationError

from starter.exit_codes import Exit


class CliError(Exception):
    """A failure the user can act on: printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = Exit.ERROR, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.exit_code, self.code = message, int(exit_code), code


def fail(err: CliError, as_json: bool = False) -> int:
    """One line on stderr: `error: <code>: <reason>`, or the same as a JSON object with --json."""
    reason = " ".join(err.message.split())  # one line, whatever the server or library said
    if as_json:
        line = json.dumps(
            {"code": err.code or Exit(err.exit_code).name.lower(), "reason": reason, "exit_code": err.exit_code}
        )
    else:
        line = f"error: {err.code}: {reason}" if err.code else f"error: {reason}"
    print(line, file=sys.stderr)
    return err.exit_code


def settings_problem(err: Exception) -> CliError | None:
    """A bad JOURNEYS_* setting as one line naming the variable, or None if `err` is something else."""
    from pydantic_settings.exceptions import SettingsError

    from journeys.settings import SettingsError as Refused

    if isinstance(err, Refused):  # get_settings(): already one line naming each variable
        return CliError(err.message, Exit.MISCONFIGURED, "misconfigured")
    if isinstance(err, SettingsError):
        # "error parsing value for field "api_tokens" from source ..." -> the variable's name
        field = str(err).split('"')[1] if str(err).count('"') >= 2 else "?"
        return CliError(
            f"invalid settings: JOURNEYS_{field.upper()} is not valid JSON", Exit.MISCONFIGURED, "misconfigured"
        )
    if isinstance(err, ValidationError) and err.title == "Settings":
        problems = "; ".join(
            (f"JOURNEYS_{'_'.join(str(p) for p in e['loc']).upper()}: " if e["loc"] else "") + e["msg"]
            for e in err.errors(include_url=False, include_input=False)
        )
        return CliError(f"invalid settings: {problems}", Exit.MISCONFIGURED, "misconfigured")
    return None


def run(work: Coroutine[Any, Any, int | None] | Callable[[], int | None], *, as_json: bool = False) -> NoReturn:
    code: int = Exit.ERROR
    try:
        code = (asyncio.run(work) if asyncio.iscoroutine(work) else work()) or 0
    except KeyboardInterrupt:
        code = Exit.INTERRUPTED
    except CliError as err:
        code = fail(err, as_json)
    except RuntimeError as err:
        # The SDK's "Failed client connect: ..." from any admin command that dials Temporal.
        if "client connect" not in str(err):
            raise
        code = fail(CliError(f"cannot reach Temporal: {err}", Exit.UNREACHABLE, "unreachable"), as_json)
    except ValueError as err:  # pydantic's ValidationError and SettingsError are ValueErrors
        problem = settings_problem(err)
        if problem is None:
            raise
        code = fail(problem, as_json)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)
