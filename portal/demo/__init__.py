"""Demo data: the people of the trial applications, in the current week.

The demo is data, not code: ``portal/demo/data`` holds ``organisations.toml``,
``staff.toml`` and one file per plan (data/README.md describes the format), so a
municipality can show its own demo by replacing the files.

``load_demo`` reads and checks every file before it adds anything, then adds
everything to the caller's session in one go and never commits; the caller's
transaction makes it all-or-nothing. A broken file raises ``DemoDataError`` (a
ValueError) with one line naming the file and the key. Loading is idempotent: if
the first municipality's code is already in the database, nothing is touched and
``created`` is False.

All dates are offsets from ``today`` so that the current week always has content:
efforts run around today and meetings fall on the next working days. Meeting times
are Copenhagen local times stored as aware UTC datetimes.

Every caseworker, admin and evaluator name is invented. The citizens are the
fictitious cases of the applications (Annette, Pernille, the Hansen family,
Jakob) plus invented ones; their surnames are invented too.
"""

from __future__ import annotations

import datetime as dt
from importlib.resources.abc import Traversable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Municipality
from portal.demo.builder import DemoSummary, build, demo_user_handle
from portal.demo.loader import read_demo
from portal.demo.tables import DemoDataError

__all__ = ["DemoDataError", "DemoSummary", "demo_user_handle", "load_demo"]


def load_demo(db: Session, today: dt.date, data: Traversable | None = None) -> DemoSummary:
    """Add the demo in ``data`` (the shipped one by default) to ``db``, not committed.

    A second call changes nothing.
    """
    demo = read_demo(today, data)
    existing = db.scalar(select(Municipality.id).where(Municipality.code == demo.marker_code))
    if existing is not None:
        return DemoSummary(created=False)
    return build(db, demo)
