"""Announce what a transaction changed, once it has committed, whoever committed it.

``portal.plans.versioning`` raises a plan's ``content_version`` on every flush that changes its
content and notes the new number in ``session.info``; here, consents and powers of attorney
are noted too, and so are logins and accounts whose change can take away what their user may
see (a logout, a session ended or made to act for someone else, a user deactivated or moved):
the user's open streams then look again at once, in every process, instead of at their next
recheck. Such an event names the user's id only, never the session's id (it is a credential). When the session commits, the notes become events; when it rolls back, they
are dropped. Nothing is announced before the commit, so no page ever shows a change that
was then undone. Listening on every session (like versioning) means no write path can forget.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from portal.accounts.models import LoginSession, User
from portal.consent.models import Consent, Delegation
from portal.live.bus import ACCESS, PLAN, EventBus, LiveEvent, notify, person_topic, plan_topic, user_topic
from portal.plans.versioning import CHANGED_VERSIONS

log = logging.getLogger(__name__)

ACCESS_CHANGES = "live_access_changes"

# What can take rights away. Not a login's last_seen_at: requests touch it every minute, and
# streams need not look again for that. A new login takes nothing away either.
_LOGIN_RIGHTS = ("revoked_at", "acting_for_person_id")
_USER_RIGHTS = ("is_active", "role", "department_id", "municipality_id", "person_id")

# The in-process buses of each engine (SQLite); on PostgreSQL every process hears NOTIFY.
_LOCAL_BUSES: weakref.WeakKeyDictionary[Engine, weakref.WeakSet[EventBus]] = weakref.WeakKeyDictionary()


def register(engine: Engine, bus: EventBus) -> None:
    """Commits on this engine reach this bus's subscribers (in-process buses only)."""
    if engine.dialect.name != "postgresql":
        _LOCAL_BUSES.setdefault(engine, weakref.WeakSet()).add(bus)


def _after_flush(session: Session, _flush_context: Any) -> None:
    topics: set[str] = session.info.setdefault(ACCESS_CHANGES, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Consent) and obj.plan_id is not None:
            topics.add(plan_topic(obj.plan_id))
        elif isinstance(obj, Delegation) and obj.citizen_person_id is not None:
            topics.add(person_topic(obj.citizen_person_id))
    for obj in session.dirty:
        if isinstance(obj, LoginSession) and _changed(obj, _LOGIN_RIGHTS):
            topics.add(user_topic(obj.user_id))
        elif isinstance(obj, User) and _changed(obj, _USER_RIGHTS):
            topics.add(user_topic(obj.id))
    for obj in session.deleted:
        # What the object still holds: a deleted row is not loaded again.
        if isinstance(obj, LoginSession) and isinstance(user_id := inspect(obj).dict.get("user_id"), int):
            topics.add(user_topic(user_id))
        elif isinstance(obj, User) and (identity := inspect(obj).identity) is not None:
            topics.add(user_topic(int(identity[0])))


def _changed(obj: object, names: tuple[str, ...]) -> bool:
    # Still the flush's own history here: after_flush runs before it is reset.
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def events_of(versions: dict[int, int], access_topics: set[str]) -> list[LiveEvent]:
    events = [LiveEvent(PLAN, plan_topic(plan_id), version) for plan_id, version in sorted(versions.items())]
    events += [LiveEvent(ACCESS, topic) for topic in sorted(access_topics)]
    return events


def _after_commit(session: Session) -> None:
    versions: dict[int, int] = session.info.pop(CHANGED_VERSIONS, {})
    access_topics: set[str] = session.info.pop(ACCESS_CHANGES, set())
    if not versions and not access_topics:
        return
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    if not isinstance(engine, Engine):
        return
    events = events_of(versions, access_topics)
    if engine.dialect.name == "postgresql":
        try:
            notify(engine, events)
        except Exception:
            # The change is saved; an open page then shows it at its next event or reconnect.
            log.exception("live: could not announce a committed change")
        return
    for bus in list(_LOCAL_BUSES.get(engine, ())):
        bus.publish(events)


def _after_rollback(session: Session) -> None:
    session.info.pop(CHANGED_VERSIONS, None)
    session.info.pop(ACCESS_CHANGES, None)


def install() -> None:
    """Listen on every session; idempotent."""
    for name, listener in (("after_flush", _after_flush), ("after_commit", _after_commit),
                           ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


install()
