"""The plan's message thread: the citizen side writes to the contact person, who answers or
brings in a colleague on the plan. Opening the thread is reading it: the other side's messages
get a receipt from the reader.

Who may use which thread is decided in ``portal.access`` (``staff_may_use_thread``,
``may_be_brought_into_thread``); the citizen side reaches only the thread of its own plan.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload

from portal.access import (
    THREAD_CONTACT,
    Principal,
    danish_today,
    may_be_brought_into_thread,
    staff_may_use_thread,
    thread_role,
)
from portal.accounts.models import Person, Role, User
from portal.consent.models import Consent
from portal.consent.rules import ConsentFacts, EffortOwnership, PlanFacts
from portal.messages.answertime import answer_deadline
from portal.messages.models import Message, MessageReceipt, MessageThread, MessageThreadStaff
from portal.messages.readmodels import Candidate, MessageItem, Receipt, ThreadRow, ThreadView
from portal.notifications.outbox import Outbox
from portal.messages.unread import CITIZEN_SIDE_ROLES, citizen_unread_count, citizen_unread_query, staff_unread_counts
from portal.plans.models import Effort, Plan, PlanMember
from portal.plans.services import consent_facts

MAX_MESSAGE_LENGTH = 5000
DEFAULT_ANSWER_DAYS = 3


class BringInResult(enum.Enum):
    ADDED = "added"
    NOT_FOUND = "not_found"    # no such thread for this caseworker: a 404
    REFUSED = "refused"        # the colleague cannot be brought in: a field error


class _StaffThread:
    """A plan as the staff side of its thread needs it: the row, its thread, facts and consents."""

    def __init__(self, plan: Plan, thread: MessageThread | None, facts: PlanFacts, consents: list[ConsentFacts],
                 brought_in: Sequence[MessageThreadStaff], responsibles: list[User]):
        self.plan, self.thread, self.facts, self.consents, self.brought_in = plan, thread, facts, consents, brought_in
        self.responsibles = responsibles

    @property
    def brought_in_ids(self) -> list[int]:
        return [row.user_id for row in self.brought_in]


class Messages:
    def __init__(self, db: Session, outbox: Outbox | None = None):
        self.db = db
        self.outbox = outbox

    # --- the citizen side -----------------------------------------------------------------------

    def citizen_thread(self, principal: Principal, now: dt.datetime) -> ThreadView | None:
        """The thread of the plan the citizen is a member of (None without a plan); read by this user now."""
        person_id, user = principal.subject_person_id, principal.user
        assert person_id is not None and user is not None
        row = self.db.execute(
            select(Plan, MessageThread, Person)
            .join(PlanMember, PlanMember.plan_id == Plan.id)
            .join(Person, Person.id == PlanMember.person_id)
            .outerjoin(MessageThread, MessageThread.plan_id == Plan.id)
            .where(PlanMember.person_id == person_id)
            .options(joinedload(Plan.contact), joinedload(Plan.deputy))
        ).one_or_none()
        if row is None:
            return None
        plan, thread, person = row
        staff_names = tuple(u.display_name for u in (plan.contact, plan.deputy) if u is not None)
        messages = self._read(thread, user, now) if thread is not None else ()
        return ThreadView(
            plan_id=plan.id, citizen_first_name=person.first_name, citizen_full_name=person.full_name,
            answer_within_days=thread.answer_within_days if thread else DEFAULT_ANSWER_DAYS,
            messages=messages, staff_names=staff_names,
        )

    def send_from_citizen_side(self, principal: Principal, body: str, now: dt.datetime) -> bool:
        """A message from the citizen, or from a relative on their behalf; False without a plan."""
        person_id, user = principal.subject_person_id, principal.user
        assert person_id is not None and user is not None
        plan_id = self.db.scalar(select(PlanMember.plan_id).where(PlanMember.person_id == person_id))
        if plan_id is None:
            return False
        thread = self._thread_of(plan_id)
        message = Message(
            thread_id=thread.id, author_user_id=user.id, body=body, sent_at=now,
            on_behalf_of_person_id=person_id if principal.acting_on_behalf else None,
        )
        self.db.add(message)
        self._new_message_sent(thread, message)
        return True

    # --- the staff side -------------------------------------------------------------------------

    def staff_threads(self, user: User, now: dt.datetime) -> list[ThreadRow]:
        """The threads the caseworker may use, those with unread messages first."""
        brought = select(MessageThreadStaff.thread_id).where(MessageThreadStaff.user_id == user.id)
        rows = self.db.execute(
            select(Plan, MessageThread)
            .outerjoin(MessageThread, MessageThread.plan_id == Plan.id)
            .where((Plan.contact_user_id == user.id) | (Plan.deputy_user_id == user.id) | MessageThread.id.in_(brought))
            .options(joinedload(Plan.citizen))
            .order_by(Plan.id)
        ).all()
        plan_ids = [plan.id for plan, _thread in rows]
        efforts = self._efforts_of(plan_ids)
        consents = self._consents_of(plan_ids)
        visible = []
        for plan, thread in rows:
            facts = _facts(plan, efforts.get(plan.id, ()))
            # Selected as contact person or deputy, or else because they were brought in.
            brought_in = [] if thread_role(user.id, facts, ()) else [user.id]
            if staff_may_use_thread(user, facts, brought_in, consents.get(plan.id, []), now):
                visible.append((plan, thread, thread_role(user.id, facts, brought_in) or ""))
        stats = self._thread_stats([thread.id for _plan, thread, _role in visible if thread is not None])
        unread = staff_unread_counts(self.db, user, [plan.id for plan, _thread, _role in visible], now)
        result = []
        for plan, thread, role in visible:
            count, last = stats.get(thread.id, (0, None)) if thread is not None else (0, None)
            result.append(ThreadRow(plan.id, plan.citizen.full_name, role, count, unread.get(plan.id, 0), last))
        epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        result.sort(key=lambda r: (r.unread == 0, -(r.last_sent_at or epoch).timestamp(), r.plan_id))
        return result

    def staff_thread(self, user: User, plan_id: int, now: dt.datetime) -> ThreadView | None:
        """The plan's thread for a caseworker who may use it (else None), read by them now.

        Not an entry in the citizen's access log: the messages were written to the thread's
        caseworkers, and the log's words ("saw your plan", "saw your full record") would not be true.
        """
        found = self._staff_thread(user, plan_id, now)
        if found is None:
            return None
        plan = found.plan
        messages = self._read(found.thread, user, now) if found.thread is not None else ()
        staff = [u for u in (plan.contact, plan.deputy) if u is not None] + [row.user for row in found.brought_in]
        may_bring_in = thread_role(user.id, found.facts, ()) == THREAD_CONTACT
        return ThreadView(
            plan_id=plan.id, citizen_first_name=plan.citizen.first_name, citizen_full_name=plan.citizen.full_name,
            answer_within_days=found.thread.answer_within_days if found.thread else DEFAULT_ANSWER_DAYS,
            messages=messages, staff_names=tuple(u.display_name for u in staff),
            candidates=self._candidates(user, found, now) if may_bring_in else (), may_bring_in=may_bring_in,
        )

    def send_from_staff(self, user: User, plan_id: int, body: str, now: dt.datetime) -> bool:
        """An answer from a caseworker in the thread; False when they may not use it (a 404)."""
        found = self._staff_thread(user, plan_id, now)
        if found is None:
            return False
        thread = found.thread or self._thread_of(plan_id)
        message = Message(thread_id=thread.id, author_user_id=user.id, body=body, sent_at=now)
        self.db.add(message)
        self._new_message_sent(thread, message)
        return True

    def bring_in(self, by: User, plan_id: int, candidate_id: int | None, now: dt.datetime) -> BringInResult:
        """The contact person brings a caseworker on the plan into the thread."""
        found = self._staff_thread(by, plan_id, now)
        if found is None or thread_role(by.id, found.facts, ()) != THREAD_CONTACT:
            return BringInResult.NOT_FOUND
        candidate = self.db.get(User, candidate_id) if candidate_id is not None else None
        if candidate is None or not may_be_brought_into_thread(by, candidate, found.facts, found.brought_in_ids, found.consents, now):
            return BringInResult.REFUSED
        thread = found.thread or self._thread_of(plan_id)
        self.db.add(MessageThreadStaff(thread_id=thread.id, user_id=candidate.id, added_by_user_id=by.id, added_at=now))
        return BringInResult.ADDED

    # --- unread counts ----------------------------------------------------------------------------

    def unread_counts(self, user: User, plan_ids: Iterable[int] | None, now: dt.datetime | None = None) -> dict[int, int]:
        """plan id -> unread messages for the caseworker (only threads they may use), in one statement."""
        return staff_unread_counts(self.db, user, plan_ids, now or dt.datetime.now(dt.timezone.utc))

    def unread_total(self, principal: Principal, now: dt.datetime) -> int:
        """For the navigation: one statement, or none for someone without a thread."""
        user = principal.user
        if user is None:
            return 0
        if user.role == Role.CASEWORKER:
            return sum(self.unread_counts(user, None, now).values())
        person_id = principal.subject_person_id
        if person_id is None or not principal.has_scope("write_messages"):
            return 0
        return citizen_unread_count(self.db, user, person_id)

    def citizen_unread_query(self, principal: Principal) -> Select[int] | None:
        """The menu's count for the citizen side as a query a page may fold into one of its own
        statements (``/min-plan`` does); None for someone who has no thread to count."""
        user, person_id = principal.user, principal.subject_person_id
        if user is None or person_id is None or not principal.has_scope("write_messages"):
            return None
        return citizen_unread_query(user, person_id)

    # --- inside -------------------------------------------------------------------------------------

    def _new_message_sent(self, thread: MessageThread, message: Message) -> None:
        """The one place a new message leads to a notification of the other side, written to the
        outbox in the same transaction. It says only that a message is waiting, never its text."""
        self.db.flush()
        if self.outbox is None:
            return
        plan = self.db.get(Plan, thread.plan_id)
        author = self.db.get(User, message.author_user_id)
        if plan is None or author is None:
            return
        if author.role in (Role.CITIZEN, Role.RELATIVE):
            for user_id in {plan.contact_user_id, plan.deputy_user_id} - {None}:
                self.outbox.enqueue("message", self.db.get(User, user_id), f"/sag/beskeder/{plan.id}")
        else:
            self.outbox.enqueue("message", self.db.get(Person, plan.citizen_id), "/beskeder")

    def _thread_of(self, plan_id: int) -> MessageThread:
        """The plan's thread, made on its first message; two first messages at once make one thread."""
        thread = self.db.scalars(select(MessageThread).where(MessageThread.plan_id == plan_id)).one_or_none()
        if thread is not None:
            return thread
        try:
            with self.db.begin_nested():
                thread = MessageThread(plan_id=plan_id, answer_within_days=DEFAULT_ANSWER_DAYS)
                self.db.add(thread)
        except IntegrityError:
            thread = self.db.scalars(select(MessageThread).where(MessageThread.plan_id == plan_id)).one()
        return thread

    def _staff_thread(self, user: User, plan_id: int, now: dt.datetime) -> _StaffThread | None:
        # The plan, its thread and its efforts' responsible caseworkers in one statement.
        responsible = aliased(User, name="responsible")
        rows = self.db.execute(
            select(Plan, MessageThread, Effort.id, Effort.department_id, responsible)
            .outerjoin(MessageThread, MessageThread.plan_id == Plan.id)
            .outerjoin(Effort, Effort.plan_id == Plan.id)
            .outerjoin(responsible, responsible.id == Effort.responsible_user_id)
            .where(Plan.id == plan_id)
            .options(joinedload(Plan.citizen), joinedload(Plan.contact), joinedload(Plan.deputy),
                     joinedload(responsible.department))
        ).all()
        if not rows:
            return None
        plan, thread = rows[0][0], rows[0][1]
        efforts = tuple(EffortOwnership(e_id, dep, resp.id if resp else None) for _p, _t, e_id, dep, resp in rows if e_id is not None)
        responsibles = {resp.id: resp for *_rest, resp in rows if resp is not None}
        facts = _facts(plan, efforts)
        consents = self._consents_of([plan_id]).get(plan_id, [])
        brought_in: Sequence[MessageThreadStaff] = ()
        if thread is not None:
            brought_in = self.db.scalars(
                select(MessageThreadStaff).where(MessageThreadStaff.thread_id == thread.id)
                .options(joinedload(MessageThreadStaff.user)).order_by(MessageThreadStaff.added_at)
            ).all()
        found = _StaffThread(plan, thread, facts, consents, brought_in, list(responsibles.values()))
        if not staff_may_use_thread(user, facts, found.brought_in_ids, consents, now):
            return None
        return found

    @staticmethod
    def _candidates(user: User, found: _StaffThread, now: dt.datetime) -> tuple[Candidate, ...]:
        return tuple(
            Candidate(u.id, u.display_name, u.department.name if u.department else None)
            for u in sorted(found.responsibles, key=lambda u: (u.display_name, u.id))
            if may_be_brought_into_thread(user, u, found.facts, found.brought_in_ids, found.consents, now)
        )

    def _read(self, thread: MessageThread, reader: User, now: dt.datetime) -> tuple[MessageItem, ...]:
        """The thread's messages; those of the other side get this reader's receipt if they lack it."""
        rows = self.db.scalars(
            select(Message).where(Message.thread_id == thread.id).order_by(Message.sent_at, Message.id)
            .options(joinedload(Message.author), joinedload(Message.on_behalf_of),
                     joinedload(Message.receipts).joinedload(MessageReceipt.reader))
        ).unique().all()
        reader_side = reader.role in CITIZEN_SIDE_ROLES
        new = [m.id for m in rows
               if (m.author.role in CITIZEN_SIDE_ROLES) != reader_side and all(r.user_id != reader.id for r in m.receipts)]
        if new:
            self._insert_receipts(new, reader.id, now)
        return tuple(self._item(m, reader, now if m.id in new else None, thread.answer_within_days) for m in rows)

    def _insert_receipts(self, message_ids: list[int], user_id: int, now: dt.datetime) -> None:
        """One statement; a receipt another tab wrote a moment ago is left as it is."""
        values = [{"message_id": m, "user_id": user_id, "read_at": now} for m in message_ids]
        dialect = self.db.get_bind().dialect.name
        if dialect == "postgresql":
            self.db.execute(pg_insert(MessageReceipt).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            self.db.execute(sqlite_insert(MessageReceipt).values(values).on_conflict_do_nothing())
        else:  # pragma: no cover - the two engines above are the supported ones
            self.db.execute(insert(MessageReceipt).values(values))

    @staticmethod
    def _item(message: Message, reader: User, read_now: dt.datetime | None, answer_days: int) -> MessageItem:
        citizen_side = message.author.role in CITIZEN_SIDE_ROLES
        receipts = [Receipt(r.reader.display_name, r.read_at) for r in message.receipts
                    if (r.reader.role in CITIZEN_SIDE_ROLES) != citizen_side]
        if read_now is not None:
            receipts.append(Receipt(reader.display_name, read_now))
        receipts.sort(key=lambda r: r.read_at)
        return MessageItem(
            id=message.id, body=message.body, sent_at=message.sent_at, author_name=message.author.display_name,
            from_citizen_side=citizen_side,
            on_behalf_of_name=message.on_behalf_of.first_name if message.on_behalf_of is not None else None,
            mine=message.author_user_id == reader.id, receipts=tuple(receipts),
            answer_by=answer_deadline(danish_today(message.sent_at), answer_days) if citizen_side else None,
        )

    def _efforts_of(self, plan_ids: list[int]) -> dict[int, list[EffortOwnership]]:
        by_plan: dict[int, list[EffortOwnership]] = {}
        if plan_ids:
            for plan_id, e_id, dep, resp in self.db.execute(
                select(Effort.plan_id, Effort.id, Effort.department_id, Effort.responsible_user_id).where(Effort.plan_id.in_(plan_ids))
            ):
                by_plan.setdefault(plan_id, []).append(EffortOwnership(e_id, dep, resp))
        return by_plan

    def _consents_of(self, plan_ids: list[int]) -> dict[int, list[ConsentFacts]]:
        by_plan: dict[int, list[ConsentFacts]] = {}
        if plan_ids:
            for consent in self.db.scalars(select(Consent).where(Consent.plan_id.in_(plan_ids)).order_by(Consent.id)):
                by_plan.setdefault(consent.plan_id, []).append(consent_facts(consent))
        return by_plan

    def _thread_stats(self, thread_ids: list[int]) -> dict[int, tuple[int, dt.datetime | None]]:
        if not thread_ids:
            return {}
        rows = self.db.execute(
            select(Message.thread_id, func.count(Message.id), func.max(Message.sent_at))
            .where(Message.thread_id.in_(thread_ids)).group_by(Message.thread_id)
        )
        return {thread_id: (count, last) for thread_id, count, last in rows}


def _facts(plan: Plan, efforts: Iterable[EffortOwnership]) -> PlanFacts:
    return PlanFacts(plan.id, plan.municipality_id, plan.contact_user_id, plan.deputy_user_id, tuple(efforts))
