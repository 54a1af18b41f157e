"""The outside world of the local stack: an SMTP sink always, the centres' HTTP desk in the demo.

Both run in threads of the `journeys dev`/`demo` process and are handed to the
worker and the API as environment, so outbound mail and calls are real network
traffic on loopback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from starter.centre_desk import CentreDesk
from starter.mailsink import MailSink


class Stoppable(Protocol):
    def stop(self) -> None: ...


def start_outside(data_dir: Path, *, centres: bool) -> tuple[list[Stoppable], dict[str, str], CentreDesk | None]:
    sink = MailSink(data_dir / "mailbox").start()
    started: list[Stoppable] = [sink]
    env = sink.env()
    desk = None
    if centres:
        desk = CentreDesk().start()
        started.append(desk)
        env.update(desk.env())
    return started, env, desk
