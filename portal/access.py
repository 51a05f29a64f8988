"""The one access policy: who may use which route, and who may see which plan.

Views never decide access themselves: routes declare an ``Access`` level and object
checks (may this user see that plan?) are answered here.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import LoginSession, PasskeyCredential, Role, User
from portal.consent.models import Consent, Delegation
from portal.consent.rules import (
    ConsentFacts,
    EffortOwnership,
    MemberFacts,
    PlanFacts,
    StaffVisibility,
    Viewer,
    consents_for_own_part,
    may_see_item,
    staff_visibility,
)
from portal.plans.models import Plan



class Access(enum.Enum):
    PUBLIC = "public"              # anyone, logged in or not
    DEMO = "demo"                  # anyone, and only while the demo runs
    AUTHENTICATED = "authenticated"  # any logged-in user
    CITIZEN = "citizen"            # the citizen themself, never someone acting for them
    CITIZEN_SIDE = "citizen_side"  # a citizen, or a relative acting for one within a scope
    RELATIVE = "relative"          # a relative, whoever they act for
    STAFF = "staff"                # a caseworker
    ADMIN = "admin"                # a municipal admin
    EVALUATOR = "evaluator"        # aggregates only


@dataclass(frozen=True)
class Principal:
    """Who is making the request."""

    user: User | None = None
    session: LoginSession | None = None
    # For a relative acting for a citizen: the power of attorney in force, if any,
    # or why the one they act under no longer holds ("expired", "revoked").
    delegation: Delegation | None = None
    delegation_problem: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    @property
    def subject_person_id(self) -> int | None:
        """The citizen whose plan the citizen side is looking at."""
        if self.user is None:
            return None
        if self.user.role == Role.CITIZEN:
            return self.user.person_id
        if self.user.role == Role.RELATIVE and self.delegation is not None:
            return self.delegation.citizen_person_id
        return None

    @property
    def acting_on_behalf(self) -> bool:
        return self.user is not None and self.user.role == Role.RELATIVE and self.delegation is not None

    def has_scope(self, scope: str | None) -> bool:
        """Citizens hold every scope for their own plan; relatives hold what they were given."""
        if self.user is None:
            return False
        if self.user.role == Role.CITIZEN:
            return True
        if self.delegation is None:
            return False
        return scope is None or scope in (self.delegation.scopes or [])


ANONYMOUS = Principal()

# Whether a login session has run out: (created_at, last_seen_at, now) -> bool.
SessionExpiry = Callable[[dt.datetime, dt.datetime, dt.datetime], bool]


def load_principal(db: Session, session_id: str | None, now: dt.datetime, is_expired: SessionExpiry) -> Principal:
    """Who is asking: the session's user, and for a relative the power they act under today.

    One query for the session, its user and department; one more for a relative's power.
    """
    if session_id is None:
        return ANONYMOUS
    login = db.scalars(
        select(LoginSession)
        .where(LoginSession.id == session_id)
        .options(joinedload(LoginSession.user).joinedload(User.department))
    ).one_or_none()
    if login is None or login.revoked_at is not None:
        return ANONYMOUS
    if is_expired(login.created_at, login.last_seen_at, now):
        login.revoked_at = now
        return ANONYMOUS
    user = login.user
    if not user.is_active:
        return ANONYMOUS
    # Touching the row on every request would serialise all traffic on it; a minute is enough.
    if now - login.last_seen_at > dt.timedelta(minutes=1):
        login.last_seen_at = now
    if user.role == Role.RELATIVE and login.acting_for_person_id is not None and user.person_id is not None:
        delegation = db.scalars(
            select(Delegation)
            .where(
                Delegation.relative_person_id == user.person_id,
                Delegation.citizen_person_id == login.acting_for_person_id,
            )
            .order_by(Delegation.revoked_at.is_(None).desc(), Delegation.expires_on.desc())
        ).first()
        # Checked on every request: a revoked or expired power ends at once.
        problem = "revoked" if delegation is None else delegation_in_force(delegation, danish_today(now))
        if problem is not None:
            return Principal(user=user, session=login, delegation_problem=problem)
        return Principal(user=user, session=login, delegation=delegation)
    return Principal(user=user, session=login)


def route_allows(
    access: Access, principal: Principal, *, demo_enabled: bool, scope: str | None = None
) -> bool:
    if access is Access.PUBLIC:
        return True
    if access is Access.DEMO:
        return demo_enabled
    if principal.user is None or not principal.user.is_active:
        return False
    role = principal.user.role
    if access is Access.AUTHENTICATED:
        return True
    if access is Access.CITIZEN:
        return role == Role.CITIZEN
    if access is Access.CITIZEN_SIDE:
        return role in (Role.CITIZEN, Role.RELATIVE) and principal.subject_person_id is not None and principal.has_scope(scope)
    if access is Access.RELATIVE:
        return role == Role.RELATIVE
    if access is Access.STAFF:
        return role == Role.CASEWORKER
    if access is Access.ADMIN:
        return role == Role.ADMIN
    if access is Access.EVALUATOR:
        return role == Role.EVALUATOR
    raise AssertionError(f"unhandled access level {access}")


def plan_facts(plan: Plan) -> PlanFacts:
    return PlanFacts(
        plan_id=plan.id,
        municipality_id=plan.municipality_id,
        contact_user_id=plan.contact_user_id,
        deputy_user_id=plan.deputy_user_id,
        efforts=tuple(
            EffortOwnership(
                effort_id=effort.id,
                department_id=effort.department_id,
                responsible_user_id=effort.responsible_user_id,
                member_person_id=effort.member_person_id,
            )
            for effort in plan.efforts
        ),
        members=tuple(
            MemberFacts(member.person_id, member.person.birth_year, member.custody_holder_id is not None)
            for member in plan.members
        ),
    )


def staff_plan_visibility(
    user: User, plan: Plan, consents: list[ConsentFacts], now: dt.datetime
) -> StaffVisibility:
    return staff_visibility_of(user, plan_facts(plan), consents, now)



class Member(Protocol):
    """A plan member as the snapshot keeps it (``MemberFact``): whose part, in whose custody."""

    @property
    def person_id(self) -> int: ...

    @property
    def custody_holder_id(self) -> int | None: ...

    @property
    def birth_year(self) -> int | None: ...

    @property
    def shares_with_custody_holder(self) -> bool: ...


def keeps_own_part(member: Member, today: dt.date) -> bool:
    """A child of 15 or older: they give the consents for their own part, and choose whether
    the custody holder sees it."""
    return member.custody_holder_id is not None and consents_for_own_part(member.birth_year, today)


def citizen_visible_member_ids(members: Iterable[Member], person_id: int, today: dt.date) -> frozenset[int]:
    """The parts of a plan a citizen sees: their own, and their children's where they have custody,
    except the part of a child of 15 or older who has chosen not to share it with them."""
    return frozenset(
        {person_id}
        | {
            member.person_id
            for member in members
            if member.custody_holder_id == person_id
            and (member.shares_with_custody_holder or not keeps_own_part(member, today))
        }
    )


def consent_part(members: Iterable[Member], person_id: int, today: dt.date) -> int | None:
    """Whose consents the citizen side of ``person_id`` gives and withdraws: a child of 15 or older
    their own part's (their person id), anyone else the whole plan's (None)."""
    member = next((m for m in members if m.person_id == person_id), None)
    return person_id if member is not None and keeps_own_part(member, today) else None


def own_part_children(members: Iterable[Member], person_id: int, today: dt.date) -> tuple[int, ...]:
    """The children in ``person_id``'s custody who consent for their own part (the parent's consents
    no longer reach it), in the plan's order."""
    return tuple(m.person_id for m in members if m.custody_holder_id == person_id and keeps_own_part(m, today))


def consent_parts_seen(members: Iterable[Member], person_id: int, today: dt.date) -> frozenset[int | None]:
    """Whose consents the citizen side may see named (None: the whole plan's): a child of 15 or
    older their own part's; anyone else the whole plan's and those of the parts they see."""
    part = consent_part(members, person_id, today)
    if part is not None:
        return frozenset({part})
    members = list(members)
    return frozenset({None} | (citizen_visible_member_ids(members, person_id, today) - {person_id}))


class GoalRef(Protocol):
    """A goal row, or a read model of one: whose part of the plan it belongs to."""

    @property
    def member_person_id(self) -> int: ...


def citizen_may_see_goal(principal: Principal, members: Iterable[Member], goal: GoalRef, today: dt.date) -> bool:
    """The citizen side sees (and, with the scope, answers) a goal on the plan it is a member of,
    about the citizen or a child in their custody who shares it. ``members`` are the goal's own plan's."""
    person_id = principal.subject_person_id
    if person_id is None:
        return False
    members = list(members)
    if person_id not in {member.person_id for member in members}:
        return False  # another household's plan
    return goal.member_person_id in citizen_visible_member_ids(members, person_id, today)


# Whose part of the plan each kind of changed item is, for the change history (/min-plan/aendringer):
# a member's ("member": shown where that part is), the whole plan's ("plan": meetings, contact
# person), or an outside participant's, who is named only where they help with a part the
# viewer sees ("helper"), as on the plan page. A kind not listed is never shown.
CHANGE_OWNERS = {
    "effort": "member", "goal": "member", "assessment": "member", "about_me": "member", "member": "member",
    "meeting": "plan", "plan": "plan", "participant": "helper",
}


@dataclass(frozen=True)
class ChangedItem:
    entity: str
    member_person_id: int | None = None   # whose part ("member" kinds)
    helps: frozenset[int] = frozenset()   # a participant: the parts they help with


def citizen_may_see_change(item: ChangedItem, shown: frozenset[int], members: frozenset[int]) -> bool:
    """Whether the citizen side sees the changes of an item of its own plan. ``shown``: the parts
    it sees (``citizen_visible_member_ids``); ``members``: every part of the plan."""
    owner = CHANGE_OWNERS.get(item.entity)
    if owner == "member":
        return item.member_person_id is not None and item.member_person_id in shown
    if owner == "helper":
        return members <= shown or bool(item.helps & shown)
    return owner == "plan"


@dataclass(frozen=True)
class RecordParts:
    """What of the whole record (``/alt-i-min-sag``) the citizen side sees, beyond the plan itself.

    The same lines as the pages of each part: consents need "manage_consents" (as ``/samtykker``);
    the powers of attorney and the "about me" form are the citizen's own (as ``/fuldmagter``): a
    relative reads the citizen's story but does not write it in the citizen's name.
    """

    consents: bool
    delegations: bool
    edit_about_me: bool


def record_parts(principal: Principal) -> RecordParts:
    if principal.subject_person_id is None:
        return RecordParts(consents=False, delegations=False, edit_about_me=False)
    own = principal.user is not None and principal.user.role == Role.CITIZEN
    return RecordParts(consents=principal.has_scope("manage_consents"), delegations=own, edit_about_me=own)


def delegation_in_force(delegation: Delegation, today: dt.date) -> str | None:
    """None when the power of attorney holds today, else why not."""
    if delegation.revoked_at is not None:
        return "revoked"
    if delegation.accepted_at is None:
        return "not_accepted"
    if delegation.expires_on < today:
        return "expired"
    return None


def may_revoke_delegation(principal: Principal, delegation: Delegation) -> bool:
    """Only the citizen who gave a power of attorney may withdraw it, never someone acting for them."""
    user = principal.user
    return (
        user is not None
        and user.role == Role.CITIZEN
        and user.person_id is not None
        and delegation.citizen_person_id == user.person_id
    )


def owns_passkey(principal: Principal, passkey: PasskeyCredential) -> bool:
    """A passkey is managed by its owner only; someone else's reads as unknown (404)."""
    return principal.user is not None and passkey.user_id == principal.user.id


def may_manage_consent(
    principal: Principal, consent: Consent, subject_plan_id: int | None, part: int | None = None
) -> bool:
    """The citizen side manages the consents of the plan the citizen is a member of; a relative
    needs the "manage_consents" scope. ``subject_plan_id`` is the plan of the principal's citizen,
    ``part`` whose consents they manage (``consent_part``): a parent never withdraws the consent
    a child of 15 or older gave for their own part, nor the child the parent's."""
    return (
        principal.subject_person_id is not None
        and principal.has_scope("manage_consents")
        and subject_plan_id is not None
        and consent.plan_id == subject_plan_id
        and consent.member_person_id == part
    )


def may_choose_sharing(principal: Principal, members: Iterable[Member], today: dt.date) -> bool:
    """Only a child of 15 or older chooses whether their parent sees their part; the child
    themself, never someone acting for them."""
    user = principal.user
    if user is None or user.role != Role.CITIZEN or user.person_id is None:
        return False
    return consent_part(members, user.person_id, today) is not None


def danish_today(now: dt.datetime) -> dt.date:
    return now.astimezone(DANISH_TIME).date()



# Who may do what within one plan (change its items, write in its thread), and who a staff user
# is to the rules: in their own module for length, part of this one policy.
from portal.access_plan import (  # noqa: E402
    DANISH_TIME, THREAD_BROUGHT_IN, THREAD_CONTACT, THREAD_DEPUTY, coordinates_plan, is_plan_keeper,
    may_add_meeting, may_add_participant, may_be_brought_into_thread, may_create_efforts, may_create_plan,
    may_edit_assessment, may_edit_effort, may_edit_goals, may_edit_meeting, may_edit_participant, may_manage_plan,
    may_see_assessment, staff_may_use_thread, staff_visibility_of, thread_role, viewer_of,
)
