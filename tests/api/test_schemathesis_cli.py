"""The partner's view: `schemathesis run --checks all` against the published schema.

Exactly what an integrator runs (the CLI, every check, the examples, coverage, fuzzing
and stateful phases), once with an ops token and once with a centre token, against the
app served by uvicorn next to a real worker. Any failure (a 5xx, a schema-valid request
refused, an invalid one accepted, a response off its schema) fails the test with the
CLI's own report.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.api.conftest import TOKENS, Api

PHASES = "examples,coverage,fuzzing,stateful"
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Per operation and phase; enough to reach every branch of the schema in a few minutes.
MAX_EXAMPLES = 25


async def run_schemathesis(base_url: str, token: str, report: Path, max_examples: int) -> tuple[int, str]:
    cli = Path(sys.executable).parent / "schemathesis"
    proc = await asyncio.create_subprocess_exec(
        str(cli),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(max_examples),
        "--seed",
        "1",
        "--workers",
        "1",
        "--no-shrink",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Bearer {token}",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=report.parent,  # its cache of found failures stays out of the work tree
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


def failures(output: str) -> str:
    """The CLI's failure report, each line cut short (generated bodies can be kilobytes)."""
    start = output.find("=== FAILURES ===")
    return "\n".join(line[:300] for line in output[max(start - 40, 0) :].splitlines())


@pytest.mark.parametrize("role", ["ops", "pku"])
async def test_schemathesis_with_every_check_finds_nothing(fuzzed: tuple[Api, str], role: str, tmp_path: Path) -> None:
    api, served = fuzzed
    await api.start("pku")  # something to list and read
    code, output = await run_schemathesis(served, TOKENS[role], tmp_path / "report.json", MAX_EXAMPLES)
    (tmp_path / "output.txt").write_text(output)
    assert code == 0, failures(output)
    summary = json.loads((tmp_path / "report.json").read_text())
    assert summary, output
