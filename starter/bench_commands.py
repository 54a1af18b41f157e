"""`journeys bench`: the benchmarks (bench/main.py owns the options; `--help` lists them)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

# Every option is bench's own (argparse), passed through untouched, `--help` included.
BENCH_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def bench(ctx: typer.Context) -> None:
    """Benchmarks: throughput vs bare Temporal, latency, memory, replay, store, list at scale."""
    # The benchmarks run from a source checkout and reuse the tests' helpers (server paths,
    # the pure pathway); a console script does not have the checkout on sys.path.
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "tests" / "helpers").is_dir() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    from bench.main import cli

    cli(ctx.args)
