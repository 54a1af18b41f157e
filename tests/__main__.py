"""`python -m tests`: pytest, then a hard exit.

The Temporal SDK's Rust bridge can abort the interpreter at shutdown after every
test passed (exit 134/139); flushing and `os._exit` keeps the real exit code.
"""

import os
import sys

import pytest

code = pytest.main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.flush()
os._exit(int(code))
