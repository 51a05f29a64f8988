"""Where the citizen's plan page puts each effort: once, under the first shown goal it serves."""

from __future__ import annotations

from portal.plans.readmodels import EffortItem, GoalItem, PersonRef
from portal.plans.views import PlacedEffort, place_efforts

ANNE = PersonRef(1, "Anne", "Anne Berg")


def goal(goal_id: int) -> GoalItem:
    return GoalItem(
        id=goal_id, member_person_id=1, member=ANNE, citizen_wording=f"Mål {goal_id}", professional_wording=None,
        life_area="daily_life", horizon="short", status="agreed", citizen_confirmation="agreed",
        citizen_comment=None, show_on_front=True,
    )


def effort(effort_id: int, *goal_ids: int) -> EffortItem:
    return EffortItem(
        id=effort_id, title=f"Indsats {effort_id}", description="", member_person_id=1, member=ANNE,
        department_id=None, department=None, responsible=None, participant=None, start_date=None,
        end_date=None, slots=(), status="active", precondition_text=None, legal_basis_code=None,
        counts_as_activation=False, goal_ids=goal_ids,
    )


def test_each_effort_once_under_the_first_shown_goal_it_serves() -> None:
    goals = [goal(20), goal(10)]  # the page's order, not the ids'
    both, first_only, second_only = effort(1, 10, 20), effort(2, 20), effort(3, 10)
    by_goal, others = place_efforts(goals, [both, first_only, second_only])
    assert by_goal == {
        20: [PlacedEffort(both, ((10, "Mål 10"),)), PlacedEffort(first_only, ())],
        10: [PlacedEffort(second_only, ())],
    }
    assert others == []


def test_an_effort_of_no_shown_goal_goes_with_the_other_help() -> None:
    # Goal 99 is kept off the front page (or dropped): its effort is still shown, its wording is not.
    no_goal, hidden_only, hidden_and_shown = effort(1), effort(2, 99), effort(3, 99, 10)
    by_goal, others = place_efforts([goal(10)], [no_goal, hidden_only, hidden_and_shown])
    assert others == [no_goal, hidden_only]
    assert by_goal == {10: [PlacedEffort(hidden_and_shown, ())]}
