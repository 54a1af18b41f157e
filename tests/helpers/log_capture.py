"""Every log line a test emits: structlog events and stdlib records (Temporal's included)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from structlog.testing import capture_logs

# LogRecord attributes that carry no message content.
_PLUMBING = {
    "args",
    "msg",
    "exc_info",
    "stack_info",
    "created",
    "msecs",
    "relativeCreated",
    "thread",
    "threadName",
    "process",
    "processName",
    "taskName",
    "levelno",
    "lineno",
    "pathname",
    "filename",
    "module",
    "funcName",
}


@dataclass
class CapturedLogs:
    structured: list[dict[str, Any]] = field(default_factory=list)
    records: list[logging.LogRecord] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Each entry rendered with every field it carries, as a log sink would keep it."""
        out = [" ".join(f"{k}={v!r}" for k, v in e.items()) for e in self.structured]
        for r in self.records:
            extra = {k: v for k, v in vars(r).items() if k not in _PLUMBING}
            out.append(f"{r.getMessage()} {extra!r}" + (f" {r.exc_text}" if r.exc_text else ""))
        return out

    def events(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.structured if event in str(e.get("event", ""))]


class _Keep(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        self.into.append(record)


@contextmanager
def all_logs() -> Iterator[CapturedLogs]:
    captured = CapturedLogs()
    root = logging.getLogger()
    keep, level = _Keep(captured.records), root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    try:
        # Live list: a test can look while the journey is still running.
        with capture_logs() as captured.structured:
            yield captured
    finally:
        root.removeHandler(keep)
        root.setLevel(level)
