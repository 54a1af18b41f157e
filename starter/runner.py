"""Run a coroutine as a CLI command and leave the process cleanly.

The Temporal SDK's Rust bridge can abort the interpreter during finalisation
after all work succeeded (sdk-python issue 300): flush and `os._exit` instead.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Coroutine
from typing import Any, NoReturn

from rich.console import Console

err_console = Console(stderr=True)


def run(coro: Coroutine[Any, Any, int | None]) -> NoReturn:
    code = 1
    try:
        code = asyncio.run(coro) or 0
    except KeyboardInterrupt:
        code = 130
    except CliError as err:
        err_console.print(f"[red]error:[/red] {err}")
        code = err.exit_code
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
