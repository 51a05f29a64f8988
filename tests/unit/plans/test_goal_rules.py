"""The goal's object rule (who on the citizen side sees a goal) and the progress chart's geometry."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.access import ANONYMOUS, Principal, citizen_may_see_goal
from portal.accounts.models import User
from portal.consent.models import Delegation
from portal.plans.progress import progress_chart
from portal.plans.readmodels import ProgressItem
from portal.plans.snapshots import MemberFact

MOTHER, CHILD, OTHER_CHILD, STRANGER, RELATIVE, TEEN, SHARING_TEEN = 1, 2, 3, 9, 5, 4, 6
TODAY = dt.date(2026, 12, 3)
# A family plan: the mother, her child in her custody, a child in someone else's custody, and
# two children of 15 in her custody: one keeps their part from her, one shares it.
MEMBERS = (
    MemberFact(MOTHER, None, 1985), MemberFact(CHILD, MOTHER, 2016), MemberFact(OTHER_CHILD, 7, 2016),
    MemberFact(TEEN, MOTHER, 2011, shares_with_custody_holder=False),
    MemberFact(SHARING_TEEN, MOTHER, 2011, shares_with_custody_holder=True),
)


class GoalOf:
    def __init__(self, member_person_id: int):
        self.member_person_id = member_person_id


def citizen(person_id: int) -> Principal:
    return Principal(user=User(id=person_id * 10, role="citizen", person_id=person_id))


def relative_for(person_id: int) -> Principal:
    delegation = Delegation(citizen_person_id=person_id, relative_person_id=RELATIVE, scopes=["read_plan"])
    return Principal(user=User(id=50, role="relative", person_id=RELATIVE), delegation=delegation)


@pytest.mark.parametrize(
    ("principal", "member", "seen"),
    [
        pytest.param(citizen(MOTHER), MOTHER, True, id="own-goal"),
        pytest.param(citizen(MOTHER), CHILD, True, id="child-in-custody"),
        pytest.param(citizen(MOTHER), OTHER_CHILD, False, id="child-not-in-custody"),
        pytest.param(citizen(STRANGER), MOTHER, False, id="another-household"),
        pytest.param(relative_for(MOTHER), CHILD, True, id="relative-acting-for-the-mother"),
        pytest.param(relative_for(STRANGER), MOTHER, False, id="relative-acting-for-someone-else"),
        pytest.param(ANONYMOUS, MOTHER, False, id="anonymous"),
        pytest.param(citizen(MOTHER), TEEN, False, id="a-child-of-15-who-keeps-their-part"),
        pytest.param(citizen(MOTHER), SHARING_TEEN, True, id="a-child-of-15-who-shares-their-part"),
        pytest.param(relative_for(MOTHER), TEEN, False, id="relative-for-the-mother-neither"),
        pytest.param(citizen(TEEN), TEEN, True, id="the-child-of-15-sees-their-own"),
        pytest.param(citizen(TEEN), MOTHER, False, id="the-child-of-15-not-the-mother's"),
    ],
)
def test_who_on_the_citizen_side_sees_a_goal(principal: Principal, member: int, seen: bool) -> None:
    assert citizen_may_see_goal(principal, MEMBERS, GoalOf(member), TODAY) is seen


def test_a_caseworker_is_never_the_citizen_side() -> None:
    caseworker = Principal(user=User(id=1, role="caseworker", person_id=None))
    assert not citizen_may_see_goal(caseworker, MEMBERS, GoalOf(MOTHER), TODAY)


def _items(*scores: int) -> list[ProgressItem]:
    start = dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc)
    return [ProgressItem(score, start + dt.timedelta(days=index)) for index, score in enumerate(scores)]


def test_the_chart_spreads_ratings_from_left_to_right_and_0_is_at_the_bottom() -> None:
    chart = progress_chart(_items(0, 5, 10))
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.right
    assert ys == [chart.bottom, (chart.top + chart.bottom) / 2, chart.top]
    assert chart.first is not None and chart.first.score == 0
    assert chart.last is not None and chart.last.score == 10
    assert chart.polyline.count(",") == 3


def test_one_rating_sits_in_the_middle_and_none_draws_nothing() -> None:
    one = progress_chart(_items(4), width=200)
    assert [p.x for p in one.points] == [(one.left + one.right) / 2]
    empty = progress_chart([])
    assert empty.points == () and empty.first is None and empty.last is None


def test_the_compact_chart_leaves_no_room_for_the_scale() -> None:
    assert progress_chart(_items(1, 2), compact=True).left < progress_chart(_items(1, 2)).left


def test_a_rating_just_after_danish_midnight_counts_on_the_danish_day() -> None:
    item = ProgressItem(5, dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.timezone.utc))
    assert item.day == dt.date(2026, 1, 16)
