"""Goals the citizen answers and rates: /min-plan/maal/{goal_id}."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person
from portal.plans.models import Goal, GoalProgress, Plan

from tests.conftest import PortalClient


def _goal(db: Session, wording: str) -> Goal:
    return db.scalars(select(Goal).where(Goal.citizen_wording == wording)).one()


ANXIETY = "Jeg vil kunne handle ind uden at få angst"


def test_smoke(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    page = client.get(f"/min-plan/maal/{goal.id}")
    assert page.status_code == 200, page.text
    print(page.text)
