"""Poll with a deadline instead of sleeping a fixed time: one helper for every test."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

POLL_EVERY = 0.05


async def assert_eventually(check: Callable[[], Awaitable[None]], *, within: float = 15.0) -> None:
    """Run `check` until it stops raising AssertionError; re-raise its last failure at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            await check()
            return
        except AssertionError:
            if loop.time() >= deadline:
                raise
        await asyncio.sleep(POLL_EVERY)
