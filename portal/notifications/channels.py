"""Delivery channels behind one small interface: e-mail now; SMS and Digital Post later.

A channel takes a batch of notes and says, per note, whether it went (None) or why not. It
never raises for a failed delivery: the sender keeps the row and tries again later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import aiosmtplib

from portal.notifications.mail import Note, compose
from portal.settings import SmtpServer

# Per note: None when delivered, else a short reason for the log and the row (no address, no content).
Outcome = str | None


class Channel(Protocol):
    name: str

    @property
    def enabled(self) -> bool: ...

    async def deliver(self, notes: Sequence[Note]) -> list[Outcome]: ...


class EmailChannel:
    """Mail through aiosmtplib to PORTAL_SMTP_URL; one connection per batch.

    Without a server (``server`` None) it is not enabled: nothing is sent and every note stays
    in the outbox until a server is configured.
    """

    name = "email"

    def __init__(self, server: SmtpServer | None, *, origin: str, sender: str, timeout: float = 10.0):
        self.server = server
        self.origin = origin
        self.sender = sender
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        return self.server is not None

    async def deliver(self, notes: Sequence[Note]) -> list[Outcome]:
        if self.server is None:
            return ["no SMTP server configured"] * len(notes)
        server = self.server
        outcomes: list[Outcome] = []
        client = aiosmtplib.SMTP(
            hostname=server.host, port=server.port, use_tls=server.use_tls, start_tls=server.start_tls,
            username=server.username, password=server.password, timeout=self.timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
            return [_reason(error)] * len(notes)
        try:
            for index, note in enumerate(notes):
                try:
                    await client.send_message(compose(note, origin=self.origin, sender=self.sender))
                    outcomes.append(None)
                except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as error:
                    # Refused by the server: this note failed; the connection may still serve the others.
                    outcomes.append(_reason(error))
                    if not client.is_connected:
                        outcomes.extend([_reason(error)] * (len(notes) - index - 1))
                        break
                except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
                    # The connection broke: this note and the rest wait for the next round.
                    outcomes.extend([_reason(error)] * (len(notes) - index))
                    break
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                    client.close()
        return outcomes


class NotEnabledChannel:
    """A channel named for later (SMS, Digital Post) that sends nothing yet.

    Not enabled: the outbox never routes a note here, and if one came it would stay pending.
    """

    enabled = False

    def __init__(self, name: str):
        self.name = name

    async def deliver(self, notes: Sequence[Note]) -> list[Outcome]:
        return [f"{self.name} is not enabled"] * len(notes)


def sms_channel() -> NotEnabledChannel:
    return NotEnabledChannel("sms")


def digital_post_channel() -> NotEnabledChannel:
    return NotEnabledChannel("digital_post")


def _reason(error: BaseException) -> str:
    code = getattr(error, "code", None)
    text = type(error).__name__ + (f" {code}" if isinstance(code, int) else "")
    return text[:200]
