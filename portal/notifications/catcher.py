"""A local SMTP server that catches mail (aiosmtpd): the demo shows what was sent, tests check it.

It can also refuse every mail (``mode="refuse"``) or answer too slowly (``mode="slow"``), so
tests see what the sender does when a real server misbehaves.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import mailbox
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class CatchingHandler:
    """aiosmtpd handler: keeps every mail it accepts, in memory and optionally in a Maildir."""

    def __init__(self, maildir: Path | None = None):
        self.maildir = maildir
        self.mode = "accept"
        self.slow_seconds = 5.0
        # Called with the number caught so far after each mail (a test stops the server from it).
        self.on_caught: Callable[[int], None] | None = None
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        if maildir is not None:
            for part in ("tmp", "new", "cur"):
                (maildir / part).mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "refuse":
            return "451 4.3.0 Try again later"
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
            return "451 4.4.2 Too slow"
        content: bytes = envelope.content
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self._messages.append(parsed)
            count = len(self._messages)
        if self.maildir is not None:
            mailbox.Maildir(self.maildir, create=True).add(content)
        if self.on_caught is not None:
            self.on_caught(count)
        return "250 2.0.0 Caught"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)


class MailCatcher:
    """The handler on a real SMTP server on a loopback port; stop and start it again at will."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, maildir: Path | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.handler = CatchingHandler(maildir)
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> MailCatcher:
        if self._controller is None:
            controller = Controller(self.handler, hostname=self.host, port=self.port, ready_timeout=10)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


@dataclass(frozen=True)
class CaughtMail:
    to: str
    subject: str
    date: str
    body: str


def caught_mail(maildir: Path, limit: int = 50) -> list[CaughtMail]:
    """What the demo's catcher caught, newest first."""
    if not maildir.is_dir():
        return []
    box = mailbox.Maildir(maildir, create=False)
    found: list[tuple[float, CaughtMail]] = []
    for key in box.keys():
        try:
            raw = box.get_bytes(key)
            when = (maildir / "new" / key).stat().st_mtime if (maildir / "new" / key).exists() else 0.0
        except (KeyError, OSError):
            continue
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        part = parsed.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        found.append((when, CaughtMail(str(parsed["To"] or ""), str(parsed["Subject"] or ""), str(parsed["Date"] or ""), str(body))))
    found.sort(key=lambda item: item[0], reverse=True)
    return [mail for _when, mail in found[:limit]]
