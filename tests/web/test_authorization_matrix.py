"""The authorization matrix: every route of the app x every kind of user x own / someone else's object.

The expectations below are written from the intended policy (portal/access.py and the
route declarations' documentation), not from what the app happens to do. Each cell is
its own test on a fresh, rolled-back copy of the demo data.

Outcomes:

* ``allowed``   the request got past access control: not 401/403/404 and not a 303 to
                ``/?next=...``. A 400/409/422 from the minimal body still counts.
* ``login``     anonymous: a 303 to ``/?next=<path>`` for GET, a 401 for POST.
* ``hidden``    404: the user may not use the route or see the object, and the answer
                does not confirm that it exists.
* ``forbidden`` 403: a relative whose power of attorney does not cover the route.
* ``token_refused`` a public link route with a syntactically invalid token answers with
                its own 400/410 refusal (the request got past access control).
* ``token_unknown`` a public link route read by machines (the calendar feed a phone fetches)
                answers an unknown token with a plain 404 that names nobody, for everyone.

For every refusal of a logged-in user a SecurityEvent ("access_refused" or
"delegation_refused") must be recorded.

Roles:

* ``anonymous``              nobody logged in
* ``citizen``                Annette Nielsen
* ``relative``               Lene Nielsen, acting for Annette (read_plan, write_messages)
* ``relative_without_scope`` Matrix Fuldmagtshaver, made for the test: acting for Annette under a
                             power in force that lacks read_plan (write_messages only), so the
                             plan routes answer 403 "forbidden" with a "delegation_refused" event
* ``caseworker_involved``    Camilla Brandt, Annette's contact person
* ``caseworker_uninvolved``  Bent Due, Varde benefits: involved in neither plan
* ``caseworker_other``       Nanna Bech, Vallensbæk: responsible for an effort on Mads's
                             Varde plan, but Mads gave no consent to Vallensbæk
* ``admin``                  Ole Bisgaard
* ``evaluator``              Dorthe Mikkelsen

Objects, for routes with an id in the path ("own" / "other"):

* ``{plan_id}``        Annette's plan / Mads Poulsen's plan
* ``{passkey_id}``     a passkey of the requesting user / a passkey of Mads Poulsen
* ``{delegation_id}``  Annette's delegation to Lene (to Matrix Fuldmagtshaver for that persona) /
                       a delegation Mads gave someone else
* ``{consent_id}``     the first consent of Annette's plan / the first consent of Mads's plan
* ``{token}``          always a syntactically invalid token ("invalid")
* ``{goal_id}``        a goal on Annette's plan / a goal on Mads Poulsen's plan (with ``{plan_id}``: of that plan)
* ``{effort_id}``      an effort on Annette's plan / an effort on Mads Poulsen's plan (always with its ``{plan_id}``)

``POST /vaelg-borger`` takes the delegation in its form body rather than its path, so it
gets the same own / other split (Lene's delegation / Mads's delegation).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.routing import Mount, Route

from portal.accounts.models import PasskeyCredential, Person, User
from portal.app import create_app
from portal.audit.models import SecurityEvent
from portal.consent.models import Consent, Delegation
from portal.db import Database
from portal.plans.models import Effort, Goal, Meeting, Participant, Plan, SharedAssessment

from tests.conftest import PortalClient, make_settings

# --- outcomes and roles --------------------------------------------------------------

A = "allowed"
L = "login"
H = "hidden"
F = "forbidden"
T = "token_refused"
K = "token_unknown"
OUTCOMES = {A, L, H, F, T, K}


@dataclass(frozen=True)
class Obj:
    """Expectation for a route with an object: the requester's own object, and someone else's."""

    own: str
    other: str


@dataclass(frozen=True)
class NotExercised:
    """A cell that cannot be exercised; the reason is reported as a skip, never silently."""

    reason: str


ANON = "anonymous"
CIT = "citizen"
REL = "relative"
REL_NS = "relative_without_scope"
CW_IN = "caseworker_involved"
CW_UN = "caseworker_uninvolved"
CW_OTHER = "caseworker_other"
ADMIN = "admin"
EVAL = "evaluator"
ROLES = (ANON, CIT, REL, REL_NS, CW_IN, CW_UN, CW_OTHER, ADMIN, EVAL)

PERSONA = {
    ANON: None,
    CIT: "Annette Nielsen",
    REL: "Lene Nielsen",
    REL_NS: "Matrix Fuldmagtshaver",
    CW_IN: "Camilla Brandt",
    CW_UN: "Bent Due",
    CW_OTHER: "Nanna Bech",
    ADMIN: "Ole Bisgaard",
    EVAL: "Dorthe Mikkelsen",
}

Expectation = str | Obj | NotExercised

# --- the table -------------------------------------------------------------------------
# One row per (method, path template) of the app; one entry per role. Written from the
# intended policy: PUBLIC/DEMO routes are open to everyone (DEMO because the tests run
# the demo); AUTHENTICATED to anyone logged in; CITIZEN to the citizen only (never a
# relative acting for them); CITIZEN_SIDE to the citizen and to a relative whose power
# covers the route's scope; RELATIVE to relatives; STAFF to caseworkers; ADMIN to
# admins. Objects: a caseworker sees a plan only as contact person / deputy / responsible
# with consent; a passkey or a delegation only by its owner.

EXPECTED: dict[tuple[str, str], dict[str, Expectation]] = {
    # --- portal/pages/views.py
    ("GET", "/"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("GET", "/tilgaengelighed"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/sprog"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("GET", "/favicon.ico"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("GET", "/healthz"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("GET", "/readyz"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    # --- portal/accounts/views.py: login, recovery, activation (public)
    ("POST", "/log-ind/valg"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/log-ind"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("GET", "/gendan"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/gendan"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("GET", "/aktiver"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/aktiver"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("GET", "/aktiver/{token}"): {ANON: T, CIT: T, REL: T, REL_NS: T, CW_IN: T, CW_UN: T, CW_OTHER: T, ADMIN: T, EVAL: T},
    ("POST", "/aktiver/{token}/valg"): {ANON: T, CIT: T, REL: T, REL_NS: T, CW_IN: T, CW_UN: T, CW_OTHER: T, ADMIN: T, EVAL: T},
    ("POST", "/aktiver/{token}"): {ANON: T, CIT: T, REL: T, REL_NS: T, CW_IN: T, CW_UN: T, CW_OTHER: T, ADMIN: T, EVAL: T},
    # --- portal/accounts/views.py: settings (any logged-in user, own passkeys only)
    ("GET", "/indstillinger"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/indstillinger/adgangsnoegler/valg"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/indstillinger/adgangsnoegler"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/indstillinger/adgangsnoegler/{passkey_id}/navn"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(A, H), REL_NS: Obj(A, H), CW_IN: Obj(A, H),
        CW_UN: Obj(A, H), CW_OTHER: Obj(A, H), ADMIN: Obj(A, H), EVAL: Obj(A, H),
    },
    ("POST", "/indstillinger/adgangsnoegler/{passkey_id}/slet"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(A, H), REL_NS: Obj(A, H), CW_IN: Obj(A, H),
        CW_UN: Obj(A, H), CW_OTHER: Obj(A, H), ADMIN: Obj(A, H), EVAL: Obj(A, H),
    },
    ("POST", "/indstillinger/gendannelseskoder"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/indstillinger/log-ud-alle-steder"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/session/forlaeng"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/log-ud"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    # --- portal/notifications/views.py: e-mail choices (anyone logged in), the calendar link (the citizen
    # only, never a relative), the feed (public by its secret token) and the demo's caught mail
    ("POST", "/indstillinger/notifikationer"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/indstillinger/kalender"): {ANON: L, CIT: A, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("POST", "/indstillinger/kalender/nyt-link"): {ANON: L, CIT: A, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/kalender/{token}.ics"): {ANON: K, CIT: K, REL: K, REL_NS: K, CW_IN: K, CW_UN: K, CW_OTHER: K, ADMIN: K, EVAL: K},
    ("GET", "/demo/post"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    # --- portal/accounts/views.py: caseworkers create citizens, admins create staff
    ("GET", "/sag/borgere/ny"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: H, EVAL: H},
    ("POST", "/sag/borgere/ny"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: H, EVAL: H},
    ("GET", "/admin/"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: A, EVAL: H},
    ("GET", "/admin/medarbejdere/ny"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: A, EVAL: H},
    ("POST", "/admin/medarbejdere/ny"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: A, EVAL: H},
    # --- portal/accounts/views.py: the demo switcher (open while the demo runs)
    ("GET", "/demo"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    ("POST", "/demo"): {ANON: A, CIT: A, REL: A, REL_NS: A, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: A, EVAL: A},
    # --- portal/plans/views.py
    ("GET", "/min-plan"): {ANON: L, CIT: A, REL: A, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/min-plan/uge"): {ANON: L, CIT: A, REL: A, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/sag/"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: H, EVAL: H},
    ("GET", "/sag/plan/{plan_id}"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    # --- portal/plans/views_editing.py: caseworkers create and change efforts and goals. Camilla is
    # Annette's contact person and changes every item she sees; nobody gets at Mads's plan (Nanna is
    # responsible for an effort on it, but Mads gave Vallensbæk no consent). "other" is Mads's plan
    # with his own effort or goal.
    ("GET", "/sag/plan/{plan_id}/indsats/ny"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/sag/plan/{plan_id}/indsats/ny"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("GET", "/sag/plan/{plan_id}/indsats/{effort_id}"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/sag/plan/{plan_id}/indsats/{effort_id}"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("GET", "/sag/plan/{plan_id}/maal/ny"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/sag/plan/{plan_id}/maal/ny"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("GET", "/sag/plan/{plan_id}/maal/{goal_id}"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/sag/plan/{plan_id}/maal/{goal_id}"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    # --- portal/plans/views_setup.py and views_items.py: a plan's setup and items. A new plan is made by a
    # caseworker of the citizen's municipality (the POST names Annette, of Ishøj: Camilla gets past access
    # and is told the form is incomplete; Varde's Bent and Vallensbæk's Nanna are refused). Members, contact
    # person and deputy are the contact person's (Camilla); meetings, participants and assessments are
    # Camilla's to add on Annette's plan, and "own" items are ones she may change (her meeting, a participant,
    # her department's assessment). Mads's plan and its items are hidden from her.
    ("GET", "/sag/plan/ny"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: H, EVAL: H},
    ("POST", "/sag/plan/ny"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: A, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/sag/plan/{plan_id}/medlemmer"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/medlemmer"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/medlemmer/{person_id}/fjern"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("GET", "/sag/plan/{plan_id}/kontaktperson"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/kontaktperson"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("GET", "/sag/plan/{plan_id}/moeder/ny"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/moeder/ny"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("GET", "/sag/plan/{plan_id}/moeder/{meeting_id}"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/moeder/{meeting_id}"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("GET", "/sag/plan/{plan_id}/deltagere/ny"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/deltagere/ny"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("GET", "/sag/plan/{plan_id}/deltagere/{participant_id}"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/deltagere/{participant_id}"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("GET", "/sag/plan/{plan_id}/vurderinger/ny"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/vurderinger/ny"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("GET", "/sag/plan/{plan_id}/vurderinger/{assessment_id}"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    ("POST", "/sag/plan/{plan_id}/vurderinger/{assessment_id}"): {ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H), CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H)},
    # --- portal/live/views.py: the plan pages' live streams, refused exactly as their pages are
    ("GET", "/min-plan/live"): {ANON: L, CIT: A, REL: A, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/sag/plan/{plan_id}/live"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    # --- portal/audit/views.py: who looked at my plan (the citizen, or a relative who may read it)
    ("GET", "/hvem-har-set"): {ANON: L, CIT: A, REL: A, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    # --- portal/plans/views_changes.py: what changed in the plan (read_plan, like the plan page)
    ("GET", "/min-plan/aendringer"): {ANON: L, CIT: A, REL: A, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    # --- portal/plans/views_goals.py: a goal on the citizen side; answering and rating need confirm_goals,
    # which Lene lacks (she may read the goal, not answer it)
    ("GET", "/min-plan/maal/{goal_id}"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(A, H), REL_NS: Obj(F, F), CW_IN: Obj(H, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/min-plan/maal/{goal_id}/svar"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(F, F), REL_NS: Obj(F, F), CW_IN: Obj(H, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/min-plan/maal/{goal_id}/fremskridt"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(F, F), REL_NS: Obj(F, F), CW_IN: Obj(H, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    # --- portal/record/views.py: the whole record and its download (read_plan, like the plan page);
    # the "about me" text is written by the citizen themself only (Access.CITIZEN), never for them
    ("GET", "/alt-i-min-sag"): {ANON: L, CIT: A, REL: A, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/alt-i-min-sag.json"): {ANON: L, CIT: A, REL: A, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("POST", "/alt-i-min-sag/om-mig"): {ANON: L, CIT: A, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    # --- portal/consent/views.py: the citizen's side of powers of attorney
    ("GET", "/fuldmagter"): {ANON: L, CIT: A, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("POST", "/fuldmagter"): {ANON: L, CIT: A, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("POST", "/fuldmagter/{delegation_id}/tilbagekald"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(H, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    # --- portal/consent/views_consents.py: consents, for the citizen side with "manage_consents"
    # (Lene holds read_plan and write_messages only, so she is refused with a 403)
    ("GET", "/samtykker"): {ANON: L, CIT: A, REL: F, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("POST", "/samtykker"): {ANON: L, CIT: A, REL: F, REL_NS: F, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/samtykker/{consent_id}/tilbagekald"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(F, F), REL_NS: Obj(F, F), CW_IN: Obj(H, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/samtykker/{consent_id}/tilbagekald"): {
        ANON: Obj(L, L), CIT: Obj(A, H), REL: Obj(F, F), REL_NS: Obj(F, F), CW_IN: Obj(H, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    # A child of 15 or older chooses whether their parent sees their part: the child themself only
    # (CITIZEN). Annette is no such child, so even she is refused, with a 404 that says nothing.
    ("POST", "/samtykker/deling"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    # --- portal/consent/views.py: invitations (public links) and the relative's side
    ("GET", "/fuldmagt/{token}"): {ANON: T, CIT: T, REL: T, REL_NS: T, CW_IN: T, CW_UN: T, CW_OTHER: T, ADMIN: T, EVAL: T},
    ("POST", "/fuldmagt/{token}/valg"): {ANON: T, CIT: T, REL: T, REL_NS: T, CW_IN: T, CW_UN: T, CW_OTHER: T, ADMIN: T, EVAL: T},
    ("POST", "/fuldmagt/{token}/ny"): {ANON: T, CIT: T, REL: T, REL_NS: T, CW_IN: T, CW_UN: T, CW_OTHER: T, ADMIN: T, EVAL: T},
    ("POST", "/fuldmagt/{token}"): {ANON: L, CIT: H, REL: T, REL_NS: T, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/vaelg-borger"): {ANON: L, CIT: H, REL: A, REL_NS: A, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("POST", "/vaelg-borger"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(A, H), REL_NS: Obj(A, H), CW_IN: Obj(H, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    # --- portal/messages/views.py: the citizen side with "write_messages" (Lene and Matrix Fuldmagtshaver
    # hold it); staff: the plan's contact person and deputy, and colleagues the contact person brought in
    ("GET", "/beskeder"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("POST", "/beskeder"): {ANON: L, CIT: A, REL: A, REL_NS: A, CW_IN: H, CW_UN: H, CW_OTHER: H, ADMIN: H, EVAL: H},
    ("GET", "/sag/beskeder"): {ANON: L, CIT: H, REL: H, REL_NS: H, CW_IN: A, CW_UN: A, CW_OTHER: A, ADMIN: H, EVAL: H},
    ("GET", "/sag/beskeder/{plan_id}"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/sag/beskeder/{plan_id}"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
    ("POST", "/sag/beskeder/{plan_id}/deltagere"): {
        ANON: Obj(L, L), CIT: Obj(H, H), REL: Obj(H, H), REL_NS: Obj(H, H), CW_IN: Obj(A, H),
        CW_UN: Obj(H, H), CW_OTHER: Obj(H, H), ADMIN: Obj(H, H), EVAL: Obj(H, H),
    },
}

# Endpoints that read a JSON body: they get ``json={}`` (and the CSRF token as a header).
JSON_ROUTES = {
    ("POST", "/log-ind/valg"),
    ("POST", "/log-ind"),
    ("POST", "/aktiver/{token}/valg"),
    # activate() only looks at the token once it has a JSON body; with a form it answers
    # "needs JavaScript" before the token is checked, so it gets JSON to exercise the link.
    ("POST", "/aktiver/{token}"),
    ("POST", "/indstillinger/adgangsnoegler/valg"),
    ("POST", "/indstillinger/adgangsnoegler"),
    ("POST", "/fuldmagt/{token}/valg"),
    ("POST", "/fuldmagt/{token}/ny"),
    ("POST", "/session/forlaeng"),
}

INVALID_TOKEN = "not-a-valid-token"
REFUSAL_KINDS = ("access_refused", "delegation_refused")


# --- the app's routes ----------------------------------------------------------------------


def app_route_keys() -> set[tuple[str, str]]:
    """Every (method, path template) the app serves, HEAD aside; the /static mount is not a route."""
    app = create_app(make_settings(), database=Database.from_url("sqlite://"))
    keys: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/static":
            continue
        assert isinstance(route, Route), f"unexpected kind of route: {route!r}"
        for method in route.methods or ():
            if method != "HEAD":
                keys.add((method, route.path))
    return keys


def test_every_route_of_the_app_is_in_the_matrix() -> None:
    missing = sorted(app_route_keys() - EXPECTED.keys())
    assert missing == [], f"routes without authorization expectations, add them to EXPECTED: {missing}"


def test_every_route_only_reads_or_posts() -> None:
    # CSRF is checked on every method but GET, HEAD and OPTIONS; forms and htmx here only POST.
    # A PUT, PATCH or DELETE route would be one the matrix and the CSRF tests never try.
    app = create_app(make_settings(), database=Database.from_url("sqlite://"))
    methods = {
        (route.path, method)
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
    }
    assert methods, "no routes found"
    assert {method for _path, method in methods} <= {"GET", "HEAD", "POST"}, sorted(
        (path, method) for path, method in methods if method not in ("GET", "HEAD", "POST")
    )


def test_the_matrix_names_no_route_that_is_gone() -> None:
    gone = sorted(EXPECTED.keys() - app_route_keys())
    assert gone == [], f"EXPECTED names routes the app no longer has: {gone}"


def test_the_matrix_is_complete_and_well_formed() -> None:
    for key, row in EXPECTED.items():
        assert set(row) == set(ROLES), f"{key}: every role needs an expectation"
        has_object = any(part in key[1] for part in ("{plan_id}", "{passkey_id}", "{delegation_id}", "{consent_id}", "{goal_id}", "{effort_id}")) or key == (
            "POST",
            "/vaelg-borger",
        )
        for role, expectation in row.items():
            if isinstance(expectation, NotExercised):
                assert expectation.reason, f"{key} {role}: a cell left out needs a reason"
                continue
            if has_object:
                assert isinstance(expectation, Obj), f"{key} {role}: give own and other expectations"
                assert {expectation.own, expectation.other} <= OUTCOMES
            else:
                assert expectation in OUTCOMES, f"{key} {role}: unknown outcome {expectation!r}"
            if role == ANON:
                values = {expectation.own, expectation.other} if isinstance(expectation, Obj) else {expectation}
                assert not values & {H, F}, f"{key}: anonymous is asked to log in, never told 404/403"


# --- the cells -------------------------------------------------------------------------------


def _cells() -> list[Any]:
    cells = []
    for (method, path), row in EXPECTED.items():
        for role in ROLES:
            expectation = row[role]
            if isinstance(expectation, NotExercised):
                mark = pytest.mark.skip(reason=f"not exercised: {expectation.reason}")
                cells.append(pytest.param(method, path, role, None, "", id=f"{method} {path}-{role}", marks=mark))
            elif isinstance(expectation, Obj):
                for which, outcome in (("own", expectation.own), ("other", expectation.other)):
                    cells.append(pytest.param(method, path, role, which, outcome, id=f"{method} {path}-{role}-{which}"))
            elif "{token}" in path:
                cells.append(pytest.param(method, path, role, "invalid", expectation, id=f"{method} {path}-{role}-invalid"))
            else:
                cells.append(pytest.param(method, path, role, None, expectation, id=f"{method} {path}-{role}"))
    return cells


@dataclass
class Objects:
    annette_plan_id: int
    mads_plan_id: int
    own_passkey_id: int | None
    other_passkey_id: int
    annette_delegation_id: int
    mads_delegation_id: int
    annette_consent_id: int
    mads_consent_id: int
    annette_goal_id: int
    mads_goal_id: int
    annette_effort_id: int
    mads_effort_id: int
    annette_person_id: int
    # Items of each plan: (person, meeting, participant, assessment) ids, Annette's ones Camilla may change.
    annette_items: dict[str, int] = field(default_factory=dict)
    mads_items: dict[str, int] = field(default_factory=dict)


def _user(db: Session, display_name: str) -> User:
    return db.scalars(select(User).where(User.display_name == display_name)).one()


def _plan_id(db: Session, full_name: str) -> int:
    return db.scalars(select(Plan.id).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == full_name)).one()


def _first_consent_id(db: Session, full_name: str) -> int:
    """The first consent of the person's plan (Annette's: the one to the joint jobcenter)."""
    plan_id = _plan_id(db, full_name)
    return db.scalars(select(Consent.id).where(Consent.plan_id == plan_id).order_by(Consent.id)).first()  # type: ignore[return-value]


def _goal_id(db: Session, full_name: str) -> int:
    """A goal about the plan's own citizen (not a child), first by position."""
    goal_id = db.scalars(
        select(Goal.id).join(Person, Goal.member_person_id == Person.id).where(Person.full_name == full_name).order_by(Goal.position, Goal.id)
    ).first()
    assert goal_id is not None, f"the demo plan of {full_name} needs a goal about them"
    return goal_id


def _effort_id(db: Session, full_name: str) -> int:
    """The first effort of the person's plan."""
    effort_id = db.scalars(select(Effort.id).where(Effort.plan_id == _plan_id(db, full_name)).order_by(Effort.id)).first()
    assert effort_id is not None, f"the demo plan of {full_name} needs an effort"
    return effort_id


def _passkey(db: Session, user: User) -> PasskeyCredential:
    passkey = PasskeyCredential(
        user_id=user.id,
        credential_id=secrets.token_bytes(32),
        public_key=b"dummy-public-key-" + secrets.token_bytes(16),
        sign_count=0,
        transports=["internal"],
        name="Matrix test passkey",
    )
    db.add(passkey)
    return passkey


def _relative_without_read_scope(db: Session, citizen: Person) -> Delegation:
    """A relative whose power of attorney, in force, lets them write messages but not read the plan."""
    person = Person(full_name=PERSONA[REL_NS], first_name="Matrix", kind="relative", municipality_id=citizen.municipality_id)
    db.add(person)
    db.flush()
    db.add(
        User(
            role="relative", person_id=person.id, display_name=PERSONA[REL_NS],
            webauthn_user_handle=secrets.token_hex(16), is_active=True,
        )
    )
    now = dt.datetime.now(dt.timezone.utc)
    delegation = Delegation(
        citizen_person_id=citizen.id,
        relative_person_id=person.id,
        invited_name=person.full_name,
        scopes=["write_messages"],
        expires_on=dt.date.today() + dt.timedelta(days=90),
        created_at=now - dt.timedelta(days=2),
        accepted_at=now - dt.timedelta(days=1),
    )
    db.add(delegation)
    db.flush()
    return delegation


def _objects(db: Session, role: str) -> Objects:
    annette = db.scalars(select(Person).where(Person.full_name == "Annette Nielsen")).one()
    lene = db.scalars(select(Person).where(Person.full_name == "Lene Nielsen")).one()
    mads = db.scalars(select(Person).where(Person.full_name == "Mads Poulsen")).one()
    annette_delegation = db.scalars(
        select(Delegation).where(Delegation.citizen_person_id == annette.id, Delegation.relative_person_id == lene.id)
    ).one()
    # A delegation of another citizen: Mads gave a power of attorney to someone who is not Lene.
    stranger = Person(full_name="Matrix Slægtning", first_name="Matrix", kind="relative", municipality_id=mads.municipality_id)
    db.add(stranger)
    db.flush()
    now = dt.datetime.now(dt.timezone.utc)
    mads_delegation = Delegation(
        citizen_person_id=mads.id,
        relative_person_id=stranger.id,
        invited_name=stranger.full_name,
        scopes=["read_plan"],
        expires_on=dt.date.today() + dt.timedelta(days=90),
        created_at=now - dt.timedelta(days=2),
        accepted_at=now - dt.timedelta(days=1),
    )
    db.add(mads_delegation)
    if role == REL_NS:
        annette_delegation = _relative_without_read_scope(db, annette)
    persona = PERSONA[role]
    own_passkey = _passkey(db, _user(db, persona)) if persona is not None else None
    other_passkey = _passkey(db, _user(db, "Mads Poulsen"))
    db.flush()
    annette_items, mads_items = _items(db)
    db.commit()
    return Objects(
        annette_items=annette_items,
        mads_items=mads_items,
        annette_plan_id=_plan_id(db, "Annette Nielsen"),
        mads_plan_id=_plan_id(db, "Mads Poulsen"),
        own_passkey_id=own_passkey.id if own_passkey else None,
        other_passkey_id=other_passkey.id,
        annette_delegation_id=annette_delegation.id,
        mads_delegation_id=mads_delegation.id,
        annette_consent_id=_first_consent_id(db, "Annette Nielsen"),
        mads_consent_id=_first_consent_id(db, "Mads Poulsen"),
        annette_goal_id=_goal_id(db, "Annette Nielsen"),
        annette_person_id=annette.id,
        mads_goal_id=_goal_id(db, "Mads Poulsen"),
        annette_effort_id=_effort_id(db, "Annette Nielsen"),
        mads_effort_id=_effort_id(db, "Mads Poulsen"),
    )


def _items(db: Session) -> tuple[dict[str, int], dict[str, int]]:
    """Items of Annette's plan that Camilla may change, and items of Mads's plan (some made here)."""
    annette = _plan_id(db, "Annette Nielsen")
    mads_plan = db.get(Plan, _plan_id(db, "Mads Poulsen"))
    assert mads_plan is not None
    camilla = _user(db, "Camilla Brandt")
    oliver = db.scalars(select(Person.id).where(Person.full_name == "Oliver Nielsen")).one()
    own = {
        "person_id": oliver,
        "meeting_id": db.scalars(select(Meeting.id).where(Meeting.plan_id == annette, Meeting.with_user_id == camilla.id)).first(),
        "participant_id": db.scalars(select(Participant.id).where(Participant.plan_id == annette)).first(),
        "assessment_id": db.scalars(select(SharedAssessment.id).where(
            SharedAssessment.person_id == db.get(Plan, annette).citizen_id,  # type: ignore[union-attr]
            SharedAssessment.department_id == camilla.department_id)).first(),
    }
    participant = Participant(plan_id=mads_plan.id, name="Matrix Klinik", kind="other")
    assessment = SharedAssessment(person_id=mads_plan.citizen_id, department_id=_user(db, "Emil Krag").department_id,
                                  title="Matrix", summary="Matrix", assessed_on=dt.date.today())
    db.add_all([participant, assessment])
    db.flush()
    other = {
        "person_id": mads_plan.citizen_id,
        "meeting_id": db.scalars(select(Meeting.id).where(Meeting.plan_id == mads_plan.id)).first(),
        "participant_id": participant.id,
        "assessment_id": assessment.id,
    }
    assert all(own.values()) and all(other.values()), (own, other)
    return own, other  # type: ignore[return-value]


def _concrete_path(path: str, which: str | None, objects: Objects) -> str:
    own = which == "own"
    if "{plan_id}" in path:
        path = path.replace("{plan_id}", str(objects.annette_plan_id if own else objects.mads_plan_id))
        path = path.replace("{effort_id}", str(objects.annette_effort_id if own else objects.mads_effort_id))
        path = path.replace("{goal_id}", str(objects.annette_goal_id if own else objects.mads_goal_id))
        for name, value in (objects.annette_items if own else objects.mads_items).items():
            path = path.replace("{" + name + "}", str(value))
        assert "{" not in path, f"no object for {path}"
        return path
    if "{passkey_id}" in path:
        # Anonymous has no passkey of its own: any existing passkey will do to ask.
        passkey_id = objects.own_passkey_id if own and objects.own_passkey_id is not None else objects.other_passkey_id
        return path.replace("{passkey_id}", str(passkey_id))
    if "{delegation_id}" in path:
        return path.replace("{delegation_id}", str(objects.annette_delegation_id if own else objects.mads_delegation_id))
    if "{consent_id}" in path:
        return path.replace("{consent_id}", str(objects.annette_consent_id if own else objects.mads_consent_id))
    if "{goal_id}" in path:
        return path.replace("{goal_id}", str(objects.annette_goal_id if own else objects.mads_goal_id))
    if "{token}" in path:
        return path.replace("{token}", INVALID_TOKEN)
    assert "{" not in path, f"no object for {path}"
    return path


def _form_body(method: str, path: str, which: str | None, objects: Objects) -> dict[str, str]:
    if (method, path) == ("POST", "/sag/plan/ny"):
        return {"borger": str(objects.annette_person_id)}
    if (method, path) == ("POST", "/vaelg-borger"):
        chosen = objects.annette_delegation_id if which == "own" else objects.mads_delegation_id
        return {"delegation_id": str(chosen)}
    return {}


def _refusals(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind.in_(REFUSAL_KINDS))) or 0)


def _last_refusal(db: Session) -> tuple[str, object]:
    event = db.scalars(
        select(SecurityEvent).where(SecurityEvent.kind.in_(REFUSAL_KINDS)).order_by(SecurityEvent.id.desc())
    ).first()
    assert event is not None
    return event.kind, event.detail.get("reason")


def _classify(method: str, response: Any) -> str:
    status = response.status_code
    if status == 303 and response.headers.get("location", "").startswith("/?next="):
        return L
    if status == 401:
        return L
    if status == 404:
        return H
    if status == 403:
        return F
    return A


@pytest.mark.parametrize(("method", "path", "role", "which", "expected"), _cells())
def test_authorization_cell(
    client: PortalClient, demo_db: Session, method: str, path: str, role: str, which: str | None, expected: str
) -> None:
    objects = _objects(demo_db, role)
    persona = PERSONA[role]
    if persona is not None:
        client.login_as(persona)
    concrete = _concrete_path(path, which, objects)

    # A valid CSRF token, from a public page, so that a refusal is never a CSRF refusal.
    token = client.csrf_token("/tilgaengelighed")
    before = _refusals(demo_db)
    if method == "GET":
        response = client.get(concrete, follow_redirects=False)
    elif (method, path) in JSON_ROUTES:
        response = client.post(concrete, json={}, headers={"X-CSRF-Token": token}, follow_redirects=False)
    else:
        fields = {"csrf_token": token, **_form_body(method, path, which, objects)}
        response = client.post(concrete, data=fields, follow_redirects=False)
    after = _refusals(demo_db)

    outcome = _classify(method, response)
    detail = f"{method} {concrete} as {role}: {response.status_code} {response.headers.get('location', '')}"
    if expected == K:
        assert response.status_code == 404, f"expected a plain 404 for an unknown link, got {detail}"
        assert response.headers["content-type"].startswith("text/html"), detail
        assert "Annette" not in response.text.split("</header>", 1)[-1], detail
        assert after == before, f"an unknown link is not a refusal of a person: {detail}"
        return
    if expected == T:
        assert response.status_code in (400, 410), f"expected the invalid-link refusal (400/410), got {detail}"
        if (method, path) in JSON_ROUTES:
            # The link's own refusal (with its reason), not a generic "bad request".
            assert "reason" in response.json(), detail
        else:
            assert response.headers["content-type"].startswith("text/html"), detail
    else:
        assert outcome == expected, f"expected {expected}, got {outcome}: {detail}"

    if expected == L:
        if method == "GET":
            assert response.headers["location"] == f"/?next={concrete}", detail
        else:
            assert response.status_code == 401, detail
    if outcome in (H, F) and persona is not None:
        assert after > before, f"refusal without a SecurityEvent ({'/'.join(REFUSAL_KINDS)}): {detail}"
    if outcome == F:
        assert _last_refusal(demo_db) == ("delegation_refused", "scope"), detail
    if outcome not in (H, F):
        assert after == before, f"a refusal event was recorded for a request that was not refused: {detail}"
