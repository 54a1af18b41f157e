"""Benchmarks. They start their own dev servers on loopback and use the development keys,
so they run as `development` unless told otherwise (settings fail closed in production)."""

import os

os.environ.setdefault("JOURNEYS_ENVIRONMENT", "development")
