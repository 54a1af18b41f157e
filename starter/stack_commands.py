"""`journeys dev` and `journeys demo`."""

from __future__ import annotations

import asyncio
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from journeys import reference_data
from journeys.settings import Settings, development_by_default, get_settings
from starter.runner import CliError, run
from starter.stack import Stack, StackConfig, banner, stop_on_signals, unless_stopped, wait_for_stop_signal

# Piped output (CI logs, `| tee`) would otherwise wrap the summary at 80 columns.
console = Console(width=None if Console().is_terminal else 140)

DataDir = Annotated[Path, typer.Option(help="Where Temporal's and the event store's SQLite files live")]
ApiPort = Annotated[int, typer.Option(help="API port on 127.0.0.1")]
TemporalPort = Annotated[int, typer.Option(help="Temporal frontend port")]
UiPort = Annotated[int, typer.Option(help="Temporal Web UI port")]
MetricsPort = Annotated[int, typer.Option(help="Worker Prometheus metrics port")]
StopStale = Annotated[
    bool, typer.Option("--stop-stale", help="Stop an earlier stack still running on this data directory without asking")
]


def demo_policy_file() -> Path:
    return Path(str(resources.files("domain").joinpath("data", "policy.demo.json")))


def demo_env() -> dict[str, str]:
    """The demo's own capacity: one apheresis chair a week at Fuda, so its waiting list shows."""
    if get_settings().capacity_file:
        return {}
    return {"JOURNEYS_CAPACITY_FILE": str(resources.files("domain").joinpath("data", "capacity.demo.json"))}


def _check_stale(data_dir: Path, stop_stale: bool) -> None:
    """An earlier stack of ours on this data directory: say so, and offer to stop it."""
    from starter import pidfile

    record = pidfile.StackRecord.read(data_dir)
    alive = pidfile.settle(record)
    if not alive:
        record.clear()
        return
    found = f"a stack started earlier on {data_dir} is still running: {record.describe(alive)}"
    if not stop_stale:
        if not sys.stdin.isatty():
            raise CliError(
                f"{found}; stop it with `journeys dev --stop-stale` (same --data-dir), or use another --data-dir"
            )
        console.print(f"[yellow]{found}[/yellow]")
        if not typer.confirm("Stop it and start a new one?", default=True):
            raise CliError("not started: the earlier stack keeps running")
    console.print(f"stopping the earlier stack: {record.describe(alive)} ...")
    left = pidfile.stop(alive)
    if left:
        console.print(f"killed what did not stop within 20 s: {record.describe(left)}")
    record.clear()


async def _serve(cfg: StackConfig, *, simulate: bool, stop_stale: bool = False) -> int:
    stack = Stack(cfg)
    stop = asyncio.Event()
    settings = get_settings()
    stop_on_signals(stop)
    _check_stale(cfg.data_dir, stop_stale)
    try:
        console.print(f"starting Temporal, worker and API (data in {cfg.data_dir}) ...")
        # A stop signal while starting (the API not yet answering) stops what has started, as later.
        if await unless_stopped(stack.start(), stop):
            console.print(banner(cfg, settings))
            await (_simulate(cfg, stack, stop, settings) if simulate else wait_for_stop_signal(stack, stop))
    finally:
        console.print("stopping ...")
        stack.stop()
    console.print("stopped cleanly.")
    return 0


async def _simulate(cfg: StackConfig, stack: Stack, stop: asyncio.Event, settings: Settings) -> None:
    """Drive the demo cohort, then keep the stack running until a stop signal."""
    from starter.simulator import Simulator

    policy = reference_data.policy_book(cfg.policy_file).resolve(product=None, centre="pku")
    console.print(
        f"demo policy: one pathway day = {policy.day_seconds:g} s; driving one journey per branch of the pathway ..."
    )
    sim = Simulator(cfg.api_url, settings.tokens(), policy.day_seconds, console)
    sim_task = asyncio.create_task(sim.run_cohort())
    watcher = asyncio.create_task(wait_for_stop_signal(stack, stop))
    await asyncio.wait({sim_task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    if not sim_task.done():
        sim_task.cancel()
        return
    console.print(
        "[green]every demo journey ended as scripted, hash chains verified[/green]"
        if sim_task.result()
        else "[yellow]some demo journeys did not go as scripted (see notes)[/yellow]"
    )
    if stack.desk:
        console.print(stack.desk.summary())
    console.print("The stack keeps running for you to explore; press Ctrl-C to stop.")
    await watcher


def dev(
    data_dir: DataDir = Path(".data"),
    api_port: ApiPort = 8000,
    temporal_port: TemporalPort = 7233,
    ui_port: UiPort = 8233,
    metrics_port: MetricsPort = 9464,
    stop_stale: StopStale = False,
) -> None:
    """Run the whole local stack: Temporal dev server (SQLite file), worker, API.

    Ctrl-C, SIGTERM or SIGHUP stops it cleanly; its children die with it however it ends.
    """
    development_by_default()
    cfg = StackConfig(
        data_dir=data_dir,
        api_port=api_port,
        temporal_port=temporal_port,
        ui_port=ui_port,
        metrics_port=metrics_port,
        policy_file=get_settings().policy_file,
    )
    run(_serve(cfg, simulate=False, stop_stale=stop_stale))


def demo(
    data_dir: DataDir = Path(".data/demo"),
    api_port: ApiPort = 8000,
    temporal_port: TemporalPort = 7233,
    ui_port: UiPort = 8233,
    metrics_port: MetricsPort = 9464,
    stop_stale: StopStale = False,
) -> None:
    """The local stack plus a partner-centre simulator driving a cohort through every branch."""
    development_by_default()
    cfg = StackConfig(
        data_dir=data_dir,
        api_port=api_port,
        temporal_port=temporal_port,
        ui_port=ui_port,
        metrics_port=metrics_port,
        policy_file=demo_policy_file(),
        serve_centres=True,
        env=demo_env(),
    )
    run(_serve(cfg, simulate=True, stop_stale=stop_stale))
