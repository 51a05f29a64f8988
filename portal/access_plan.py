"""The part of the access policy about what staff may do within one plan: who they are to the
rules (``viewer_of``, ``staff_visibility_of``), which items they may change, who writes in the
plan's message thread.

It belongs to ``portal/access.py`` and is imported from there (``from portal.access import
may_edit_effort``); it sits in its own module only to keep each module short enough to read.
The rules are pure: they take who is asking (``Viewer``), what the plan names (``PlanFacts``) and
what the asker may see (``StaffVisibility``), and they are tested in tests/unit/test_access.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from portal.accounts.models import Role, User
from portal.consent.rules import ConsentFacts, PlanFacts, StaffVisibility, Viewer, may_see_item, staff_visibility

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def viewer_of(user: User) -> Viewer:
    municipality_id = user.municipality_id
    if municipality_id is None and user.department is not None:
        municipality_id = user.department.municipality_id
    return Viewer(
        user_id=user.id,
        role=user.role,
        department_id=user.department_id,
        municipality_id=municipality_id,
    )


def staff_visibility_of(
    user: User, facts: PlanFacts, consents: list[ConsentFacts], now: dt.datetime
) -> StaffVisibility:
    # Consent dates are Danish calendar dates, so compare them in Danish time.
    return staff_visibility(viewer_of(user), facts, consents, now.astimezone(DANISH_TIME))


# --- the plan's message thread ---------------------------------------------------------------

THREAD_CONTACT = "contact"
THREAD_DEPUTY = "deputy"
THREAD_BROUGHT_IN = "brought_in"


def thread_role(user_id: int, facts: PlanFacts, brought_in: Iterable[int]) -> str | None:
    """Why a caseworker writes in the plan's thread (contact person, deputy, brought in), or None."""
    if facts.contact_user_id is not None and facts.contact_user_id == user_id:
        return THREAD_CONTACT
    if facts.deputy_user_id is not None and facts.deputy_user_id == user_id:
        return THREAD_DEPUTY
    if user_id in set(brought_in):
        return THREAD_BROUGHT_IN
    return None


def staff_may_use_thread(
    user: User, facts: PlanFacts, brought_in: Iterable[int], consents: list[ConsentFacts], now: dt.datetime
) -> bool:
    """A caseworker reads and writes the thread when they take part in it and may open the plan:
    someone brought in whose effort has gone, or who lost the consent, is out again."""
    return thread_role(user.id, facts, brought_in) is not None and staff_visibility_of(user, facts, consents, now).sees_plan


def may_be_brought_into_thread(
    by: User, candidate: User, facts: PlanFacts, brought_in: Iterable[int], consents: list[ConsentFacts], now: dt.datetime
) -> bool:
    """Only the contact person brings someone in: an active caseworker responsible for an effort on
    the plan who may open it and is not in the thread yet."""
    return (
        thread_role(by.id, facts, ()) == THREAD_CONTACT
        and candidate.is_active
        and candidate.role == Role.CASEWORKER
        and any(effort.responsible_user_id == candidate.id for effort in facts.efforts)
        and thread_role(candidate.id, facts, brought_in) is None
        and staff_visibility_of(candidate, facts, consents, now).sees_plan
    )





# --- who may change which item of a plan (caseworkers) -----------------------------------------
#
# A caseworker changes only what they may see (``may_see_item``): an item of a department
# without consent stays hidden while editing too. Within that:
# - the plan's contact person coordinates the plan and changes every item they see;
# - the deputy stands in for the contact person (holidays, illness) and so has the same rights:
#   a deputy who could only look would leave the plan without anyone to keep it up to date;
# - every other caseworker changes their own department's efforts only.
# Goals belong to the whole plan, not to a department: the contact person and the deputy write
# them with the citizen; the others read them. An effort of an outside participant (no
# department) is likewise the coordinators' to change.


def coordinates_plan(viewer: Viewer, facts: PlanFacts) -> bool:
    """The contact person or the deputy of the plan."""
    return viewer.user_id in {user_id for user_id in (facts.contact_user_id, facts.deputy_user_id) if user_id is not None}


def may_edit_goals(viewer: Viewer, facts: PlanFacts, visibility: StaffVisibility) -> bool:
    """Create and change the plan's goals."""
    return visibility.sees_plan and viewer.role == Role.CASEWORKER and coordinates_plan(viewer, facts)


def may_edit_effort(
    viewer: Viewer, facts: PlanFacts, visibility: StaffVisibility, department_id: int | None,
    member_person_id: int | None = None,
) -> bool:
    """Change an effort of this department (None: an outside participant's) in this member's part,
    or create one for it. Without a member, only where every part of the plan is open to the viewer."""
    if viewer.role != Role.CASEWORKER or not may_see_item(visibility, viewer, department_id, member_person_id):
        return False
    if coordinates_plan(viewer, facts):
        return True
    return department_id is not None and department_id == viewer.department_id


def may_create_efforts(viewer: Viewer, facts: PlanFacts, visibility: StaffVisibility) -> bool:
    """Create an effort at all: for their own department, or as a coordinator."""
    return may_edit_effort(viewer, facts, visibility, viewer.department_id) or (
        visibility.sees_plan and viewer.role == Role.CASEWORKER and coordinates_plan(viewer, facts)
    )


# --- setting up and keeping a plan: who may change what (pure; tests/unit/test_access.py) ------
#
# There is no "leader" role: Role has citizen, relative, caseworker, admin and evaluator. Admins run
# the system and see no plan content (DESIGN §4), so they change no plan either. What a plan holds
# is therefore changed by caseworkers only, and only by those the plan names:
#   - a plan is made by a caseworker of the citizen's own municipality;
#   - its members, contact person and deputy are changed by the contact person or the deputy (the
#     deputy stands in when the contact person is away, so may do what they do);
#   - a meeting by the contact person, the deputy, or the caseworker the meeting is with;
#   - an outside participant (who belongs to the whole plan, not to a department) is added by anyone
#     who may open the plan, and changed by the contact person or the deputy;
#   - a shared assessment only by its own department; it is seen by its department, and by others
#     only under the citizen's consent that names them.
# Each rule first asks that the caseworker may open the plan at all (``visibility.sees_plan``).


def _is_caseworker(viewer: Viewer) -> bool:
    return viewer.role == Role.CASEWORKER


def may_create_plan(viewer: Viewer, citizen_municipality_id: int | None) -> bool:
    """A caseworker of the citizen's own municipality may make the citizen's plan."""
    return (
        _is_caseworker(viewer)
        and citizen_municipality_id is not None
        and viewer.municipality_id == citizen_municipality_id
    )


def is_plan_keeper(viewer: Viewer, facts: PlanFacts) -> bool:
    """The plan's contact person or deputy, as a caseworker."""
    return _is_caseworker(viewer) and coordinates_plan(viewer, facts)


def may_manage_plan(viewer: Viewer, facts: PlanFacts, visibility: StaffVisibility) -> bool:
    """Members, contact person and deputy: changed by the contact person or the deputy."""
    return visibility.sees_plan and is_plan_keeper(viewer, facts)


def may_add_meeting(viewer: Viewer, visibility: StaffVisibility) -> bool:
    """Anyone who may open the plan may set a meeting with themself."""
    return _is_caseworker(viewer) and visibility.sees_plan


def may_edit_meeting(viewer: Viewer, facts: PlanFacts, visibility: StaffVisibility, with_user_id: int) -> bool:
    """A meeting: its own caseworker, or the contact person or deputy."""
    return visibility.sees_plan and _is_caseworker(viewer) and (
        with_user_id == viewer.user_id or is_plan_keeper(viewer, facts)
    )


def may_add_participant(viewer: Viewer, visibility: StaffVisibility) -> bool:
    """An outside participant belongs to the whole plan: anyone who may open it may name one."""
    return _is_caseworker(viewer) and visibility.sees_plan


def may_edit_participant(viewer: Viewer, facts: PlanFacts, visibility: StaffVisibility) -> bool:
    """Changing someone already on the plan is for the contact person or the deputy."""
    return visibility.sees_plan and is_plan_keeper(viewer, facts)


def may_see_assessment(
    viewer: Viewer, visibility: StaffVisibility, department_id: int, person_id: int | None = None,
) -> bool:
    """One's own department's assessments; another department's only under a consent naming one,
    and, for a child of 15 or older, one the child gave for their own part (``person_id``)."""
    if not visibility.sees_plan or not _is_caseworker(viewer):
        return False
    if department_id == viewer.department_id:
        return True
    return visibility.consent_id is not None and may_see_item(visibility, viewer, department_id, person_id)


def may_edit_assessment(viewer: Viewer, visibility: StaffVisibility, department_id: int) -> bool:
    """An assessment is changed by its own department only (also when it is shown to others)."""
    return (
        visibility.sees_plan
        and _is_caseworker(viewer)
        and viewer.department_id is not None
        and department_id == viewer.department_id
    )
