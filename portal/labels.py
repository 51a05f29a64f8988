"""Translated words for the stored enum values, in one place for every template."""

from __future__ import annotations

from collections.abc import Callable

from portal.i18n import gettext as _

_LABELS: dict[str, dict[str, Callable[[], str]]] = {
    "horizon": {
        "short": lambda: _("Soon (within 3 months)"),
        "medium": lambda: _("Within a year"),
        "long": lambda: _("In the long run"),
    },
    "life_area": {
        "work_education": lambda: _("Work and education"),
        "health": lambda: _("Health"),
        "family": lambda: _("Family"),
        "housing": lambda: _("Housing"),
        "economy": lambda: _("Money"),
        "network": lambda: _("Friends and network"),
        "daily_life": lambda: _("Daily life"),
    },
    "goal_status": {
        "proposed": lambda: _("Proposed"),
        "agreed": lambda: _("Agreed"),
        "achieved": lambda: _("Reached"),
        "dropped": lambda: _("Dropped"),
    },
    "confirmation": {
        "pending": lambda: _("You have not answered yet"),
        "agreed": lambda: _("You agree"),
        "wants_change": lambda: _("You want a change"),
    },
    "citizen_answer": {
        "pending": lambda: _("Not answered yet"),
        "agreed": lambda: _("Agrees"),
        "wants_change": lambda: _("Wants a change"),
    },
    "effort_status": {
        "waiting": lambda: _("Waiting"),
        "planned": lambda: _("Planned"),
        "active": lambda: _("Going on"),
        "paused": lambda: _("Paused"),
        "ended": lambda: _("Ended"),
    },
    "role": {
        "contact": lambda: _("Contact person"),
        "deputy": lambda: _("Deputy"),
        "effort": lambda: _("Responsible for an effort"),
        "brought_in": lambda: _("Brought into the thread"),
    },
    "participant_kind": {
        "gp": lambda: _("GP"),
        "psychiatry": lambda: _("Psychiatry"),
        "pain_clinic": lambda: _("Pain clinic"),
        "hospital": lambda: _("Hospital"),
        "school": lambda: _("School"),
        "association": lambda: _("Association"),
        "relative": lambda: _("Relative"),
        "other": lambda: _("Other"),
    },
    "scope": {
        "read_plan": lambda: _("See the plan"),
        "write_messages": lambda: _("Write messages"),
        "confirm_goals": lambda: _("Answer goals"),
        "manage_consents": lambda: _("Give and withdraw consents"),
    },
    "delegation_status": {
        "invited": lambda: _("Invited, not accepted yet"),
        "active": lambda: _("In force"),
        "expired": lambda: _("Run out"),
        "revoked": lambda: _("Withdrawn"),
    },
    "consent_state": {
        "in_force": lambda: _("In effect"),
        "not_yet": lambda: _("Not started yet"),
        "expired": lambda: _("Run out"),
        "withdrawn": lambda: _("Withdrawn"),
    },
    "user_role": {
        "citizen": lambda: _("Citizen"),
        "relative": lambda: _("Relative"),
        "caseworker": lambda: _("Caseworker"),
        "admin": lambda: _("Administrator"),
        "evaluator": lambda: _("Evaluator"),
    },
    "security_event": {
        "login": lambda: _("You logged in"),
        "logout": lambda: _("You logged out"),
        "logout_everywhere": lambda: _("You logged out everywhere"),
        "login_failed": lambda: _("A login failed"),
        "passkey_added": lambda: _("A passkey was added"),
        "passkey_removed": lambda: _("A passkey was removed"),
        "passkey_registration_failed": lambda: _("Making a passkey failed"),
        "recovery_codes_created": lambda: _("New recovery codes were made"),
        "recovery_code_used": lambda: _("A recovery code was used"),
        "access_refused": lambda: _("You were refused access to a page"),
        "csrf_refused": lambda: _("A form was refused"),
        "activation_refused": lambda: _("An activation letter was refused"),
        "account_created": lambda: _("You created an account"),
        "delegation_given": lambda: _("You gave a power of attorney"),
        "delegation_revoked": lambda: _("You withdrew a power of attorney"),
        "delegation_accepted": lambda: _("A power of attorney was accepted"),
        "delegation_refused": lambda: _("A power of attorney did not hold"),
        "acted_on_behalf": lambda: _("Someone acted for you"),
        "consent_given": lambda: _("A consent was given"),
        "consent_withdrawn": lambda: _("A consent was withdrawn"),
        "part_shared": lambda: _("You let your parent see your part of the plan"),
        "part_unshared": lambda: _("You hid your part of the plan from your parent"),
        "delegation_invite_refused": lambda: _("An invitation was refused"),
        "login_rate_limited": lambda: _("Too many login attempts"),
        "recovery_failed": lambda: _("A recovery code was wrong"),
    },
    # Why a caseworker was allowed to read the plan (AccessLogEntry.reason), for "Hvem har set".
    "read_reason": {
        "contact_person": lambda: _("Contact person"),
        "deputy": lambda: _("Deputy"),
        "effort_responsible": lambda: _("Responsible for an effort"),
    },
    # What someone did in the citizen's log: a staff read's kind, or a relative's act (the
    # route's name, see web._note_on_behalf); "other" for acts without a label of their own.
    "log_action": {
        "view_plan": lambda: _("Saw your plan"),
        "view_record": lambda: _("Saw your full record"),
        "export": lambda: _("Downloaded your data"),
        "who_looked": lambda: _("Saw who has seen your plan"),
        "my_changes": lambda: _("Saw what has changed in your plan"),
        "record": lambda: _("Saw your full record"),
        "record_json": lambda: _("Downloaded your data"),
        # Every other citizen-side route by its name (tests/unit/test_labels.py checks there is one).
        "my_week": lambda: _("Saw your week"),
        "goal": lambda: _("Saw a goal in your plan"),
        "answer_goal": lambda: _("Answered a goal for you"),
        "rate_goal": lambda: _("Rated how far you have come with a goal"),
        "consents": lambda: _("Saw your consents"),
        "give_consent": lambda: _("Gave a consent for you"),
        "withdrawal_preview": lambda: _("Looked at what a withdrawn consent would change"),
        "withdraw_consent": lambda: _("Withdrew a consent for you"),
        "messages": lambda: _("Read your messages"),
        "send_message": lambda: _("Wrote a message for you"),
        "other": lambda: _("Used the portal for you"),
    },
    # Which part of an effort or a goal a revision changed ("entity.field"), for "Hvad er ændret".
    "revision_field": {
        "effort.status": lambda: _("the status"),
        "effort.title": lambda: _("the name"),
        "effort.description": lambda: _("the description"),
        "effort.start_date": lambda: _("the start date"),
        "effort.end_date": lambda: _("the end date"),
        "effort.start_time": lambda: _("the time"),
        "effort.end_time": lambda: _("the end time"),
        "goal.status": lambda: _("the status"),
        "goal.horizon": lambda: _("the time frame"),
        "goal.citizen_confirmation": lambda: _("the answer"),
        "goal.citizen_comment": lambda: _("the comment"),
        "goal.citizen_wording": lambda: _("the wording"),
        "goal.professional_wording": lambda: _("the professional wording"),
        "goal.life_area": lambda: _("the part of life"),
        "goal.on_front_page": lambda: _("whether it is shown on the front page"),
        "effort.slots": lambda: _("the weekly times"),
        "effort.precondition_text": lambda: _("what it waits for"),
        "effort.legal_basis_code": lambda: _("the legal basis"),
        "effort.responsible_user_id": lambda: _("who is responsible"),
        "effort.department_id": lambda: _("the department"),
        "effort.participant_id": lambda: _("who gives the help"),
        "effort.after_effort_id": lambda: _("which effort it waits for"),
        "meeting.location": lambda: _("the place"),
        "meeting.purpose": lambda: _("what you will talk about"),
        "participant.kind": lambda: _("the kind"),
        "participant.role_description": lambda: _("what they do in the plan"),
        "assessment.title": lambda: _("the title"),
        "assessment.summary": lambda: _("the summary"),
        "assessment.assessed_on": lambda: _("the date"),
        "plan.kind": lambda: _("the kind of plan"),
        "about_me.situation": lambda: _("the situation"),
        "about_me.wishes": lambda: _("the wishes"),
    },
    "plan_kind": {
        "citizen": lambda: _("A plan for one person"),
        "family": lambda: _("A family plan"),
    },
    # A field of a plan's item in the conflict view (portal/plans/views_items.py).
    "item_field": {
        "contact_user_id": lambda: _("Contact person"),
        "deputy_user_id": lambda: _("Deputy"),
        "starts_at": lambda: _("Time"),
        "location": lambda: _("Where"),
        "purpose": lambda: _("What you will talk about"),
        "cadence_weeks": lambda: _("Every how many weeks"),
        "name": lambda: _("Name"),
        "kind": lambda: _("Kind"),
        "role_description": lambda: _("What they do in the plan"),
        "person_id": lambda: _("Who it is about"),
        "title": lambda: _("Title"),
        "summary": lambda: _("The assessment in short"),
        "assessed_on": lambda: _("Date of the assessment"),
    },
    "rule": {
        "time_overlap": lambda: _("Same time"),
        "same_support_kind": lambda: _("Same kind of help twice"),
        "physical_demand": lambda: _("Clashes with health"),
        "sequencing": lambda: _("Bad order"),
    },
}


def label(vocabulary: str, value: str | None) -> str:
    if value is None:
        return ""
    getter = _LABELS.get(vocabulary, {}).get(value)
    return getter() if getter else value


def vocabulary(name: str) -> tuple[str, ...]:
    return tuple(_LABELS[name])
