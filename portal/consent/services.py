"""Consents and powers of attorney: giving, withdrawing, and what the citizen sees of them."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.access import DANISH_TIME, citizen_visible_member_ids, danish_today, delegation_in_force, viewer_of
from portal.accounts.models import Department, Municipality, Person, User
from portal.accounts.proofing import new_user_handle
from portal.accounts.tokens import LinkRefused, PurposeSigner, TokenError, delegation_invite_signer, keyed_hash
from portal.audit.models import SecurityEvent
from portal.consent.models import DELEGATION_SCOPES, Consent, Delegation
from portal.consent.rules import consent_is_valid, hidden_by_withdrawal
from portal.notifications.outbox import Outbox
from portal.plans.models import PlanMember
from portal.plans.services import SqlPlanReader, consent_facts
from portal.plans.snapshots import PlanSnapshot

MAX_DELEGATION_LENGTH = dt.timedelta(days=2 * 365)
MAX_CONSENT_LENGTH = dt.timedelta(days=2 * 365)
MAX_PURPOSE_LENGTH = 2000
DELEGATION_EVENT_KINDS = (
    "delegation_given",
    "delegation_revoked",
    "delegation_accepted",
    "delegation_refused",
    "acted_on_behalf",
)


class InviteError(LinkRefused):
    """The invitation to a power of attorney cannot be used."""

    def __init__(self, reason: str, delegation: Delegation | None = None):
        super().__init__(reason)
        self.delegation = delegation


@dataclass(frozen=True)
class Invitation:
    delegation: Delegation
    link: str


class Delegations:
    def __init__(self, db: Session, secret_key: str, origin: str, outbox: Outbox | None = None):
        self.db = db
        self.outbox = outbox or Outbox(db)
        self._secret_key = secret_key
        self._origin = origin
        self._signer: PurposeSigner = delegation_invite_signer(secret_key)

    def _nonce_hash(self, nonce: str) -> str:
        return keyed_hash(self._secret_key, "delegation-invite", nonce)

    def get(self, delegation_id: int) -> Delegation | None:
        return self.db.get(Delegation, delegation_id)

    def of_citizen(self, person_id: int) -> list[Delegation]:
        return list(
            self.db.scalars(
                select(Delegation)
                .where(Delegation.citizen_person_id == person_id)
                .options(selectinload(Delegation.relative))
                .order_by(Delegation.created_at.desc(), Delegation.id.desc())
            )
        )

    def in_force_for_relative(self, relative_person_id: int, today: dt.date) -> list[Delegation]:
        rows = self.db.scalars(
            select(Delegation)
            .where(Delegation.relative_person_id == relative_person_id)
            .options(selectinload(Delegation.citizen))
            .order_by(Delegation.id)
        )
        return [row for row in rows if delegation_in_force(row, today) is None]

    def invite(
        self, citizen_person_id: int, invited_name: str, scopes: list[str], expires_on: dt.date, now: dt.datetime
    ) -> Invitation:
        nonce = secrets.token_urlsafe(24)
        delegation = Delegation(
            citizen_person_id=citizen_person_id,
            invited_name=invited_name,
            scopes=[scope for scope in DELEGATION_SCOPES if scope in scopes],
            expires_on=expires_on,
            created_at=now,
            invite_nonce_hash=self._nonce_hash(nonce),
        )
        self.db.add(delegation)
        self.db.flush()
        token = self._signer.sign({"d": delegation.id, "n": nonce})
        # The citizen hears of every power of attorney made in their name (the link itself is never mailed).
        self.outbox.enqueue("delegation", self.db.get(Person, citizen_person_id), "/fuldmagter", now=now)
        return Invitation(delegation, f"{self._origin}/fuldmagt/{token}")

    def from_invite(self, token: str, today: dt.date) -> Delegation:
        try:
            payload = self._signer.unsign(token)
        except TokenError as error:
            raise InviteError(error.reason) from None
        nonce, delegation_id = payload.get("n"), payload.get("d")
        if not isinstance(nonce, str) or not isinstance(delegation_id, int):
            raise InviteError("invalid")
        delegation = self.db.scalars(
            select(Delegation)
            .where(Delegation.invite_nonce_hash == self._nonce_hash(nonce))
            .options(selectinload(Delegation.citizen))
        ).one_or_none()
        if delegation is None or delegation.id != delegation_id:
            # The signature holds, so the id is ours; say why its link is spent.
            spent = self.db.get(Delegation, delegation_id)
            if spent is not None and spent.revoked_at is not None:
                raise InviteError("revoked", spent)
            if spent is not None and spent.accepted_at is not None:
                raise InviteError("used", spent)
            raise InviteError("invalid", spent)
        if delegation.revoked_at is not None:
            raise InviteError("revoked", delegation)
        if delegation.expires_on < today:
            raise InviteError("expired", delegation)
        return delegation

    def pending_relative(self, delegation: Delegation) -> User:
        """The not-yet-active account a new relative makes their passkey for."""
        if delegation.relative_person_id is not None:
            user = self.db.scalars(select(User).where(User.person_id == delegation.relative_person_id)).one_or_none()
            if user is not None and not user.is_active:
                return user
        person = Person(full_name=delegation.invited_name, first_name=delegation.invited_name.split()[0], kind="relative")
        self.db.add(person)
        self.db.flush()
        user = User(
            person_id=person.id, role="relative", display_name=person.full_name,
            webauthn_user_handle=new_user_handle(), is_active=False,
        )
        self.db.add(user)
        delegation.relative_person_id = person.id
        self.db.flush()
        return user

    def accept(self, delegation: Delegation, relative: User, now: dt.datetime) -> None:
        assert relative.person_id is not None
        delegation.relative_person_id = relative.person_id
        delegation.accepted_at = now
        # The link is spent: nobody else can accept it.
        delegation.invite_nonce_hash = None
        # And the citizen hears that someone now acts for them.
        self.outbox.enqueue("delegation", self.db.get(Person, delegation.citizen_person_id), "/fuldmagter", now=now)

    def revoke(self, delegation: Delegation, now: dt.datetime) -> None:
        if delegation.revoked_at is None:
            delegation.revoked_at = now
            delegation.invite_nonce_hash = None

    def history(self, citizen_person_id: int, limit: int = 30) -> list[SecurityEvent]:
        return list(
            self.db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.subject_person_id == citizen_person_id, SecurityEvent.kind.in_(DELEGATION_EVENT_KINDS))
                .order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
                .limit(limit)
            )
        )

    def names_of_users(self, user_ids: set[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        return {u.id: u.display_name for u in self.db.scalars(select(User).where(User.id.in_(user_ids)))}


def status_of(delegation: Delegation, today: dt.date) -> str:
    if delegation.revoked_at is not None:
        return "revoked"
    if delegation.expires_on < today:
        return "expired"
    if delegation.accepted_at is None:
        return "invited"
    return "active"


# --- consents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """A department or municipality that takes part in the plan and so may be given a consent."""

    key: str                      # the form's value: "department-12" or "municipality-3"
    name: str
    department_id: int | None = None
    municipality_id: int | None = None


@dataclass(frozen=True)
class ConsentItem:
    id: int
    recipient: str                # the department's name, or the municipality's
    recipient_is_municipality: bool
    purpose: str
    valid_from: dt.date
    valid_until: dt.date          # inclusive
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    state: str                    # "in_force" | "not_yet" | "expired" | "withdrawn"
    member_person_id: int | None = None  # None: the whole plan; else one member's own part


@dataclass(frozen=True)
class StaffMember:
    name: str
    department: str | None


@dataclass(frozen=True)
class WithdrawalPreview:
    """What a withdrawal changes: the efforts it hides, and from whom."""

    consent: ConsentItem
    effort_titles: tuple[str, ...]    # only efforts the citizen side may see themselves
    staff: tuple[StaffMember, ...]


def consent_state(consent: Consent, now: dt.datetime) -> str:
    """In force, not started yet, run out or withdrawn: judged by the same rule as staff visibility."""
    danish_now = now.astimezone(DANISH_TIME)
    if consent.withdrawn_at is not None and consent.withdrawn_at <= now:
        return "withdrawn"
    if consent_is_valid(consent_facts(consent), danish_now):
        return "in_force"
    return "expired" if consent.valid_until < danish_now.date() else "not_yet"


def consent_item(consent: Consent, now: dt.datetime) -> ConsentItem:
    if consent.recipient_department is not None:
        recipient, by_municipality = consent.recipient_department.name, False
    else:
        assert consent.recipient_municipality is not None  # one recipient, by the table's check
        recipient, by_municipality = consent.recipient_municipality.name, True
    return ConsentItem(
        id=consent.id, recipient=recipient, recipient_is_municipality=by_municipality, purpose=consent.purpose,
        valid_from=consent.valid_from, valid_until=consent.valid_until, given_at=consent.given_at,
        withdrawn_at=consent.withdrawn_at, state=consent_state(consent, now),
        member_person_id=consent.member_person_id,
    )


class Consents:
    """The citizen's consents: read fresh on every request, so a withdrawal counts at once."""

    def __init__(self, db: Session, plans: SqlPlanReader):
        self.db = db
        self.plans = plans

    def plan_of(self, person_id: int) -> PlanSnapshot | None:
        """The plan the person is a member of (one small statement while the copy in memory is current)."""
        return self.plans.snapshot(person_id=person_id)

    def get(self, consent_id: int) -> Consent | None:
        return self.db.get(Consent, consent_id)

    def of_plan(self, plan_id: int, now: dt.datetime, part: int | None = None) -> list[ConsentItem]:
        """Every consent of the plan for one part, withdrawn and expired ones too, newest first.

        ``part`` is ``access.consent_part``: None for the whole plan's consents (the adult's), a
        child's person id for the consents that child of 15 or older gave for their own part.
        """
        rows = self.db.scalars(
            select(Consent)
            .where(
                Consent.plan_id == plan_id,
                Consent.member_person_id.is_(None) if part is None else Consent.member_person_id == part,
            )
            .options(joinedload(Consent.recipient_department), joinedload(Consent.recipient_municipality))
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        )
        return [consent_item(row, now) for row in rows]

    def recipients(self, snapshot: PlanSnapshot, member_ids: frozenset[int] | None = None) -> list[Recipient]:
        """Departments taking part in the plan (its efforts', the contact person's and the deputy's),
        then the other municipalities those departments belong to. With ``member_ids``, only the
        efforts of those members' parts count: a list of places must not tell of a part one may not see."""
        facts = snapshot.facts
        effort_departments = {
            e.department_id for e in facts.efforts
            if e.department_id is not None and (member_ids is None or e.member_person_id in member_ids)
        }
        staff_ids = [u for u in (facts.contact_user_id, facts.deputy_user_id) if u is not None]
        departments = self.db.scalars(
            select(Department)
            .where(or_(
                Department.id.in_(effort_departments),
                Department.id.in_(select(User.department_id).where(User.id.in_(staff_ids))),
            ))
            .options(joinedload(Department.municipality))
            .order_by(Department.name)
        ).all()
        found = [Recipient(f"department-{d.id}", d.name, department_id=d.id) for d in departments]
        municipalities: dict[int, Municipality] = {
            d.municipality_id: d.municipality for d in departments if d.municipality_id != facts.municipality_id
        }
        found += [
            Recipient(f"municipality-{m.id}", m.name, municipality_id=m.id)
            for m in sorted(municipalities.values(), key=lambda m: m.name)
        ]
        return found

    def give(
        self, plan_id: int, giver_person_id: int, recipient: Recipient, purpose: str, valid_until: dt.date,
        user: User, now: dt.datetime, part: int | None = None,
    ) -> Consent:
        """A new consent, for the whole plan or (``part``) one child's own part."""
        consent = Consent(
            plan_id=plan_id, member_person_id=part, giver_person_id=giver_person_id,
            recipient_department_id=recipient.department_id,
            recipient_municipality_id=recipient.municipality_id, purpose=purpose,
            valid_from=now.astimezone(DANISH_TIME).date(), valid_until=valid_until, given_at=now, given_by_user_id=user.id,
        )
        self.db.add(consent)
        self.db.flush()
        return consent

    def share_part(self, plan_id: int, person_id: int, shared: bool) -> bool:
        """A child of 15 or older chooses whether their parent sees their part; True when it changed."""
        member = self.db.scalars(
            select(PlanMember).where(PlanMember.plan_id == plan_id, PlanMember.person_id == person_id)
        ).one()
        if member.shares_with_custody_holder == shared:
            return False
        member.shares_with_custody_holder = shared
        self.db.flush()
        return True

    def withdraw(self, consent: Consent, user: User, now: dt.datetime) -> bool:
        """Withdraws the consent; False when it was withdrawn already (a second click changes nothing)."""
        if consent.withdrawn_at is not None:
            return False
        consent.withdrawn_at = now
        consent.withdrawn_by_user_id = user.id
        return True

    def withdrawal_preview(
        self, snapshot: PlanSnapshot, consent: Consent, person_id: int, now: dt.datetime
    ) -> WithdrawalPreview:
        """Who sees what with and without this consent, for every caseworker involved in the plan."""
        facts = snapshot.facts
        staff_ids = {u for u in (facts.contact_user_id, facts.deputy_user_id) if u is not None}
        staff_ids |= {e.responsible_user_id for e in facts.efforts if e.responsible_user_id is not None}
        staff = self.db.scalars(
            select(User).where(User.id.in_(staff_ids)).options(joinedload(User.department)).order_by(User.display_name)
        ).all()
        consents = self.plans.consents(facts.plan_id)
        hidden = hidden_by_withdrawal(
            [viewer_of(user) for user in staff], facts, consents, consent.id, now.astimezone(DANISH_TIME)
        )
        hidden_ids = frozenset().union(*hidden.values()) if hidden else frozenset()
        # The citizen side is told only of efforts it sees itself: never another adult's part.
        own = citizen_visible_member_ids(snapshot.members, person_id, danish_today(now))
        return WithdrawalPreview(
            consent=consent_item(consent, now),
            effort_titles=tuple(e.title for e in snapshot.efforts if e.id in hidden_ids and e.member_person_id in own),
            staff=tuple(
                StaffMember(user.display_name, user.department.name if user.department else None)
                for user in staff if user.id in hidden
            ),
        )
