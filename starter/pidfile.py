"""The local stack's pid file (`<data dir>/stack.json`): which processes of ours hold this data.

Children die with `journeys dev` (PR_SET_PDEATHSIG), but a start can still find
processes of an earlier stack: ones just dying, a parent still running in another
terminal, or children on a system without death signals. The file names each with
its start time, so a reused pid is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

NAME = "stack.json"


@dataclass
class Proc:
    name: str
    pid: int
    started: float  # psutil's create_time: with the pid, identifies the process

    def alive(self) -> bool:
        import psutil  # type: ignore[import-untyped]  # dev extra, like the stack itself

        try:
            p = psutil.Process(self.pid)
            return bool(abs(p.create_time() - self.started) < 0.5 and p.status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            return False


def this(name: str, pid: int) -> Proc:
    import psutil

    try:
        return Proc(name, pid, psutil.Process(pid).create_time())
    except psutil.Error:
        return Proc(name, pid, 0.0)


@dataclass
class StackRecord:
    data_dir: Path
    procs: list[Proc] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.data_dir / NAME

    @classmethod
    def read(cls, data_dir: Path) -> StackRecord:
        try:
            raw = json.loads((data_dir / NAME).read_text())
            return cls(data_dir, [Proc(**p) for p in raw["procs"]])
        except (OSError, ValueError, KeyError, TypeError):
            return cls(data_dir)

    def save(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"procs": [asdict(p) for p in self.procs]}))
        tmp.replace(self.path)

    def add(self, name: str, pid: int) -> None:
        self.procs.append(this(name, pid))
        self.save()

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def alive(self) -> list[Proc]:
        return [p for p in self.procs if p.alive()]

    def describe(self, procs: list[Proc]) -> str:
        return ", ".join(f"{p.name} (pid {p.pid})" for p in procs)


def settle(record: StackRecord, within: float = 15.0) -> list[Proc]:
    """Processes of an earlier stack still alive after giving dying ones `within` seconds.

    A parent that was SIGKILLed a moment ago leaves children that are still shutting down.
    A parent that is itself alive is another `journeys dev` and returned at once.
    """
    deadline = time.monotonic() + within
    while True:
        alive = record.alive()
        parent_alive = any(p.name == "journeys" for p in alive)
        if not alive or parent_alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.2)


def stop(procs: list[Proc], within: float = 20.0) -> list[Proc]:
    """SIGTERM (the parent first: it stops its own children in order), then SIGKILL what is left."""
    for p in sorted(procs, key=lambda p: p.name != "journeys"):
        if p.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + within
    while (left := [p for p in procs if p.alive()]) and time.monotonic() < deadline:
        time.sleep(0.2)
    for p in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p.pid, signal.SIGKILL)
    return left
