"""Access-log lines that carry no usable secret.

An activation link (``/aktiver/<token>``) or a power-of-attorney invitation
(``/fuldmagt/<token>``) lets whoever holds it create a login, and a calendar link
(``/kalender/<token>.ics``) shows the citizen's appointments, so a log line with the
whole path would hand that power to everyone who reads the logs. The segment after
those words is replaced by ``…``, and query strings are dropped: they are the other
place a secret could travel in a URL, and the log does not need them.
"""

from __future__ import annotations

import logging

TOKEN_ROUTES = frozenset({"aktiver", "fuldmagt", "kalender"})
REDACTED = "…"
# uvicorn's access record: args = (client, method, path with query, HTTP version, status).
ACCESS_PATH_ARG = 2


def redact_path(path: str) -> str:
    path = path.split("?", 1)[0]
    segments = path.split("/")
    for index in range(1, len(segments)):
        # Case and doubled slashes change nothing: a near miss may still hold a real token.
        previous = next((s for s in reversed(segments[:index]) if s), "")
        if segments[index] and previous.lower() in TOKEN_ROUTES:
            segments[index] = REDACTED
    return "/".join(segments)


class RedactTokens(logging.Filter):
    """Rewrites the path of uvicorn access records; every other record passes untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > ACCESS_PATH_ARG:
            path = args[ACCESS_PATH_ARG]
            if isinstance(path, str):
                record.args = args[:ACCESS_PATH_ARG] + (redact_path(path),) + args[ACCESS_PATH_ARG + 1 :]
        return True
