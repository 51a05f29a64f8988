"""What a request brings in: the body read once and checked, and ids from addresses and forms.

The route wrapper reads the body here, on the event loop, before any view sees it: input
that no view could save (control characters, NUL) or that would hurt the parser (deep
nesting) is refused once, for every route.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from portal.security import SAFE_METHODS

MAX_JSON_BODY = 64 * 1024
# Passkey bodies nest four deep; anything much deeper is not ours, and deep enough nesting
# makes the parser (or later code walking the value) run out of stack.
MAX_JSON_DEPTH = 32
# The largest value of the database's integer id columns (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
_ID = re.compile(r"[1-9][0-9]{0,9}")
# NUL and the other control characters (tab and newlines aside), and lone surrogates:
# nobody types them, PostgreSQL refuses NUL in text and no encoder takes a lone surrogate.
_UNSAVABLE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class BadBody(Exception):
    pass


class UnsavableText(Exception):
    pass


def parse_id(value: object) -> int | None:
    """An id from an address or a form, or None: only ASCII digits, without sign, spaces or a leading zero.

    ``int()`` also reads "١", "１", " 1", "+1" and "1_0", so one row would answer to many
    spellings, and it reads numbers the database's integer columns cannot hold.
    """
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def has_unsavable_text(value: str) -> bool:
    return _UNSAVABLE_TEXT.search(value) is not None


def _check_json(value: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and unsavable text; iterative, so depth cannot hurt."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if has_unsavable_text(item):
                raise UnsavableText()
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise BadBody()
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def _check_text(request: Request, form: FormData) -> None:
    """Refuse unsavable text in the path, the query and the form once, here, rather than in every view."""
    texts = [request.scope["path"], *(t for pair in request.query_params.multi_items() for t in pair)]
    for key, item in form.multi_items():
        if not isinstance(item, str):
            raise BadBody()  # no form of ours takes a file
        texts += (key, item)
    if any(has_unsavable_text(text) for text in texts):
        raise UnsavableText()


async def read_body(request: Request) -> tuple[FormData, Any]:
    """The form and the JSON value of a request; raises BadBody or UnsavableText."""
    if request.method in SAFE_METHODS:
        _check_text(request, FormData())
        return FormData(), None
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        if len(body) > MAX_JSON_BODY:
            raise BadBody()
        try:
            value = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BadBody() from None
        _check_text(request, FormData())
        _check_json(value)
        return FormData(), value
    form = await request.form()
    _check_text(request, form)
    return form, None
