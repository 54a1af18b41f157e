"""`python -m bench`: the whole benchmark run (see bench/main.py, `--help` for every option)."""

from bench.main import cli

cli()
