"""The notification mail: that something is waiting, and a link to the portal. Nothing else.

No names, no message text, no goal wording, no department: a mailbox is read on shared
machines and lock screens, and mail crosses servers the municipality does not control.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from portal.i18n import gettext as _, use_locale


@dataclass(frozen=True)
class Note:
    """One notification ready to go: the outbox row's id, kind and link, and the address read now."""

    outbox_id: int
    kind: str
    link: str
    address: str


def what_waits(kind: str) -> str:
    return {
        "message": _("You have a new message."),
        "goal": _("A goal is waiting for your answer."),
        "consent": _("A consent will soon run out."),
        "delegation": _("There is news about your powers of attorney."),
    }.get(kind, _("Something new is waiting for you."))


def compose(note: Note, *, origin: str, sender: str, locale: str = "da") -> EmailMessage:
    """The mail for ``note``; its Message-ID is the same on every attempt, so a retry is
    recognisable as the same mail."""
    domain = urlsplit(origin).hostname or "localhost"
    with use_locale(locale):
        body = "\n\n".join([
            what_waits(note.kind),
            _("Log in to Én plan to see it:") + f"\n{origin}{note.link}",
            _("We never write about your case in an e-mail. You choose which e-mails you get under Settings in Én plan."),
        ])
        subject = _("Something new is waiting for you in Én plan")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = note.address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<outbox-{note.outbox_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n")
    return message
