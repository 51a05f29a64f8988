"""Imports every domain's models so the metadata is complete (Alembic, tests)."""

from portal.accounts import models as accounts
from portal.audit import models as audit
from portal.consent import models as consent
from portal.db import Base
from portal.evaluation import models as evaluation
from portal.messages import models as messages
from portal.notifications import models as notifications
from portal.plans import models as plans

metadata = Base.metadata

__all__ = ["accounts", "audit", "consent", "evaluation", "messages", "notifications", "plans", "metadata"]
