"""Paths of the Temporal servers that ship as wheels: nothing is downloaded at test time."""

import shutil
import sys
from pathlib import Path


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found; install the project with its test extras")
    return found


def dev_server_path() -> str:
    return _bin("temporal")


def test_server_path() -> str:
    return _bin("temporal-test-server")
