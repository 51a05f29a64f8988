"""Services: the typed bundle of every domain service, built once by ``create_app``.

Each service is built once, on ``Database.current``: the session of whichever request is
being served. Views reach them as ``context(request).services`` and never build one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy.orm import Session

from portal.accounts.passkeys import PasskeyService, RelyingParty
from portal.accounts.proofing import ActivationLetters, IdentityProofing
from portal.accounts.services import Accounts
from portal.audit.services import Audit
from portal.consent.services import Consents, Delegations
from portal.db import Database
from portal.plans.efforts import PlanEditing
from portal.messages.services import Messages
from portal.notifications.outbox import Outbox
from portal.notifications.preferences import NotificationPreferences
from portal.live import Live
from portal.plans.goals import GoalService, Goals
from portal.plans.items import PlanItems
from portal.plans.revisions import Revisions
from portal.plans.setup import PlanSetup
from portal.plans.services import PlanReader, SqlPlanReader
from portal.ratelimit import RateLimits
from portal.record.services import RecordService
from portal.settings import Settings


@dataclass(frozen=True)
class Services:
    accounts: Accounts
    audit: Audit
    consents: Consents
    delegations: Delegations
    editing: PlanEditing
    goals: GoalService
    identity_proofing: IdentityProofing
    messages: Messages
    notifications: NotificationPreferences
    outbox: Outbox
    live: Live
    plans: PlanReader
    plan_items: PlanItems
    plan_setup: PlanSetup
    rate_limits: RateLimits
    record: RecordService
    relying_party: RelyingParty
    revisions: Revisions
    db: Session

    def passkeys(self, now: dt.datetime, browser_binding: str, client: str | None) -> PasskeyService:
        """Passkey ceremonies are bound to one browser and one moment, so this one is made per request."""
        return PasskeyService(self.db, self.relying_party, now, browser_binding, client=client)


def build_services(settings: Settings, database: Database) -> Services:
    # The scoped session stands for the request's own session in every call (see Database.current).
    db = cast(Session, database.current)
    plans = SqlPlanReader(db)
    audit = Audit(db)
    outbox = Outbox(db)
    goals = Goals(db, plans, outbox)
    return Services(
        accounts=Accounts(db, settings.secret_key),
        audit=audit,
        consents=Consents(db, plans),
        delegations=Delegations(db, settings.secret_key, settings.origin, outbox),
        editing=PlanEditing(db, plans, goals),
        goals=goals,
        identity_proofing=ActivationLetters(db, settings.secret_key, settings.origin),
        messages=Messages(db, outbox),
        notifications=NotificationPreferences(db, settings.secret_key, settings.origin),
        outbox=outbox,
        # The event bus and presence of this process; started and stopped by the app's lifespan.
        live=Live(database.engine),
        plans=plans,
        plan_items=PlanItems(db),
        plan_setup=PlanSetup(db, plans),
        rate_limits=RateLimits(db),
        record=RecordService(db, plans, audit),
        # The name the browser shows beside the passkey; it is the product's name in every language.
        relying_party=RelyingParty(id=settings.rp_id, name="Én plan", origin=settings.origin),
        revisions=Revisions(db),
        db=db,
    )
