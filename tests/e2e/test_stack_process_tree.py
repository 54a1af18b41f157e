"""`journeys dev`'s process tree: children die with it, SIGHUP stops it, a stale stack is reported.

Real dev server, worker and API on free ports; outcomes polled with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest

from starter import pidfile
from starter.pidfile import NAME, StackRecord, this
from tests.e2e.test_local_stack import DevStack, poll_until


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[DevStack]:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"defaults": {"day_seconds": 0.02}}))
    s = DevStack(tmp_path / "data", policy)
    yield s
    s.kill()
    # Whatever a failed test left behind: never leave servers running after the suite.
    pidfile.stop(StackRecord.read(s.data_dir).alive(), within=10)


def pids(data_dir: Path) -> dict[str, int]:
    raw = json.loads((data_dir / NAME).read_text())
    return {p["name"]: p["pid"] for p in raw["procs"]}


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_children_die_with_a_killed_parent_and_the_next_start_on_the_same_data_works(stack: DevStack) -> None:
    stack.start()
    first = pids(stack.data_dir)
    assert set(first) == {"journeys", "temporal", "worker", "api"}
    assert stack.proc is not None
    stack.proc.kill()  # SIGKILL: no handler runs, as when the terminal's process is OOM-killed
    stack.proc.wait(10)
    poll_until(lambda: all(gone(pid) for pid in first.values()), what="the orphaned children to exit", timeout=60)

    stack.start()  # same data directory, same ports
    second = pids(stack.data_dir)
    assert not set(second.values()) & set(first.values())

    assert stack.proc is not None
    stack.proc.send_signal(signal.SIGHUP)  # the terminal was closed
    out, _ = stack.proc.communicate(timeout=60)
    assert stack.proc.returncode == 0, out.decode()[-2000:]
    assert b"stopped cleanly" in out
    assert all(gone(pid) for pid in second.values())
    assert not (stack.data_dir / NAME).exists()


def test_a_stop_signal_while_the_stack_is_starting_stops_what_started_and_says_so(stack: DevStack) -> None:
    stack.start(wait=False)
    record = stack.data_dir / NAME
    # Temporal is up or coming up; the API is not answering yet.
    poll_until(lambda: record.exists() and "temporal" in pids(stack.data_dir), what="Temporal to be spawned")
    started = pids(stack.data_dir)
    assert stack.proc is not None
    stack.proc.send_signal(signal.SIGHUP)
    out, _ = stack.proc.communicate(timeout=60)
    assert stack.proc.returncode == 0, out.decode()[-2000:]
    assert b"stopping ..." in out and b"stopped cleanly" in out, out.decode()[-2000:]
    assert all(gone(pid) for pid in started.values())
    assert not record.exists()


def test_a_stale_stack_on_the_data_directory_is_reported_and_stopped_on_request(stack: DevStack) -> None:
    # An earlier `journeys dev` still running on this data (in another terminal, say). Recorded as
    # the parent: for orphaned children alone, a start first gives them 15 s to finish dying
    # (starter.pidfile.settle), which the SIGKILL test above goes through.
    stale = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        record = StackRecord(stack.data_dir, [this("journeys", stale.pid)])
        record.save()
        args = stack.command()
        refused = subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, env=os.environ
        )
        assert refused.returncode == 1
        assert f"still running: journeys (pid {stale.pid})" in refused.stderr and "--stop-stale" in refused.stderr
        assert stale.poll() is None  # never killed without being asked

        stopping = subprocess.Popen(
            [*args, "--stop-stale"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=os.environ,
        )
        stack.proc = stopping
        stale.wait(60)
        poll_until(lambda: stack._healthy(), what="the new stack")
    finally:
        if stale.poll() is None:
            stale.kill()
