"""The workflow module pulls in no database driver or HTTP client (DESIGN §8).

Anything it imports is re-imported into every workflow sandbox; asyncpg imported
twice segfaults, sqlalchemy per workflow chokes a small worker. Checked in a
fresh interpreter, because this test process has long since imported them all.
"""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("asyncpg", "sqlalchemy", "aiosqlite", "httpx", "fastapi", "uvicorn")

PROBE = """
import json, sys
import workflows.journey
import workflows.messages
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))
"""


def test_importing_the_workflow_loads_no_database_driver_or_http_client() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(forbidden=set(FORBIDDEN))],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == []


def test_the_probe_would_notice_a_forbidden_import() -> None:
    probe = PROBE.replace("import workflows.messages", "import httpx")
    out = subprocess.run(
        [sys.executable, "-c", probe.format(forbidden=set(FORBIDDEN))],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "httpx" in json.loads(out.stdout.strip().splitlines()[-1])
