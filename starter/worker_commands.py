"""`journeys worker`: one worker process, until SIGTERM drains it."""

from __future__ import annotations

from starter.exit_codes import Exit
from starter.runner import CliError, run


def worker() -> None:
    """Run a worker (stateless; run as many as throughput needs). SIGTERM drains it and exits 0."""
    import worker as worker_module
    from journeys.logs import configure
    from journeys.settings import get_settings
    from starter.db_commands import guard_store

    settings = get_settings()
    configure(settings.log_level)

    async def main() -> int:
        try:
            return await guard_store(worker_module.main(settings))
        except RuntimeError as err:  # the SDK's "Failed client connect"
            raise CliError(
                f"cannot reach Temporal at {settings.temporal_address}: {err}", Exit.UNREACHABLE, "unreachable"
            ) from None

    run(main())
