"""Progress for long admin runs (`verify --all`, `db rebuild-projections`), always on stderr.

On a terminal a live rich counter; piped (CI logs, cron) a plain line every few
seconds, so a long run never looks hung and stdout stays the result alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

LINE_EVERY_SECONDS = 5.0


class Counter:
    def __init__(self, what: str, progress: Progress | None) -> None:
        self.what, self.progress, self.count, self.note = what, progress, 0, ""
        self.task = progress.add_task(what, total=None) if progress else None
        self.began = self.last_line = time.monotonic()

    def update(self, count: int, note: str = "") -> None:
        self.count, self.note = count, note
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=self._text())
        elif time.monotonic() - self.last_line >= LINE_EVERY_SECONDS:
            self.last_line = time.monotonic()
            print(f"... {self._text()} ({time.monotonic() - self.began:.0f}s)", file=sys.stderr, flush=True)

    def _text(self) -> str:
        return f"{self.what}: {self.count:,}" + (f", {self.note}" if self.note else "")


@contextmanager
def counting(what: str, *, quiet: bool = False) -> Iterator[Counter]:
    err = Console(stderr=True)
    if quiet or not err.is_terminal:
        yield Counter(what, None)
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True
    ) as progress:
        yield Counter(what, progress)
