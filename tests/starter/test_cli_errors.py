"""What goes wrong before any server answers: one line on stderr and the documented exit code."""

from __future__ import annotations

import socket

from starter.exit_codes import Exit
from tests.helpers.cli import Ran, journeys


def dead_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def one_line(ran: Ran) -> bool:
    return ran.err.count("\n") == 1 and "Traceback" not in ran.err


async def test_a_worker_with_temporal_down_says_so_in_one_line() -> None:
    ran = await journeys("worker", env={"JOURNEYS_TEMPORAL_ADDRESS": dead_address(), "JOURNEYS_LOG_LEVEL": "ERROR"})
    assert ran.code == Exit.UNREACHABLE and one_line(ran), ran.err
    assert ran.err.startswith("error: unreachable: cannot reach Temporal at 127.0.0.1:")
    setup = await journeys("setup", env={"JOURNEYS_TEMPORAL_ADDRESS": dead_address()})
    assert setup.code == Exit.UNREACHABLE and one_line(setup), setup.err


async def test_bad_settings_name_the_variable_in_one_line() -> None:
    for env, variable in [
        ({"JOURNEYS_API_TOKENS": '{"x":'}, "JOURNEYS_API_TOKENS"),
        ({"JOURNEYS_API_PORT": "eighty"}, "JOURNEYS_API_PORT"),
    ]:
        for args in (["worker"], ["verify", "--all"], ["list", "--database"]):
            ran = await journeys(*args, env=env)
            assert ran.code == Exit.MISCONFIGURED and one_line(ran) and variable in ran.err, (args, ran.err)


async def test_usage_errors_are_one_line_and_help_lists_the_exit_codes() -> None:
    ran = await journeys("list", "--stage", "bogus")
    assert ran.code == Exit.BAD_INPUT and one_line(ran) and "'bogus'" in ran.err
    assert (await journeys("milestone", "J1", "lot_released", "lot=1", "--token", "t")).code == Exit.BAD_INPUT
    helped = await journeys("--help")
    assert helped.code == 0
    for code in Exit:
        assert f"{int(code):>3}  " in helped.out
    version = await journeys("--version")
    assert version.code == 0 and version.out.startswith("journeys ")
