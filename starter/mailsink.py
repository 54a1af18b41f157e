"""The dev stack's SMTP sink (aiosmtpd): every mail the worker sends lands in a Maildir.

`journeys dev` and `journeys demo` run it, so a new user sees the messages a
patient would get on the mailbox page (`/ui/mailbox`, which reads the same
Maildir). A resend of the same Message-ID (a retried activity) is stored once.
"""

from __future__ import annotations

import mailbox
import socket
import threading
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MaildirHandler:
    def __init__(self, path: Path) -> None:
        self.box = mailbox.Maildir(path, create=True)
        self._lock = threading.Lock()
        self._seen = {str(m.get("Message-ID", "")) for m in self.box}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        raw: bytes = envelope.original_content or envelope.content
        msg_id = str(message_from_bytes(raw, policy=policy.default).get("Message-ID", ""))
        with self._lock:
            if msg_id and msg_id in self._seen:
                return "250 Already delivered"
            self._seen.add(msg_id)
            self.box.add(raw)
        return "250 Message accepted for delivery"


class MailSink:
    """Starts in a thread of its own, so it answers while the caller's loop is busy."""

    def __init__(self, maildir: Path, port: int = 0) -> None:
        self.maildir = maildir
        self.port = port or free_port()
        self.handler = MaildirHandler(maildir)
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """What the worker (sends) and the API (shows the mailbox) need to know."""
        return {
            "JOURNEYS_SMTP_HOST": "127.0.0.1",
            "JOURNEYS_SMTP_PORT": str(self.port),
            "JOURNEYS_DEV_MAILBOX": str(self.maildir.resolve()),
        }
