"""A goal on the citizen side: read it, answer it ("I agree" / "I want it changed"), rate progress."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import Access
from portal.plans.forms import GoalAnswerForm, ProgressForm
from portal.plans.goals import AnswerResult, CitizenGoalView
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route


def _goal_view(request: Request) -> CitizenGoalView | None:
    ctx = context(request)
    goal_id = parse_id(request.path_params["goal_id"])
    if goal_id is None:
        return None
    return ctx.services.goals.citizen_goal(ctx.principal, goal_id, ctx.today)


def _refused(request: Request) -> Response:
    return not_found(request, goal_id=request.path_params["goal_id"])


def _answer_form(view: CitizenGoalView) -> GoalAnswerForm:
    goal = view.goal
    answer = goal.citizen_confirmation if goal.citizen_confirmation != "pending" else None
    return GoalAnswerForm(answer=answer, comment=goal.citizen_comment or "", version=goal.version)


def _page(
    request: Request, view: CitizenGoalView, *, answer_form: GoalAnswerForm | None = None,
    progress_form: ProgressForm | None = None, status_code: int = 200, block: str | None = None, stale: bool = False,
) -> Response:
    """The goal page; a refused form comes back with its errors (just its block for htmx)."""
    ctx = context(request)
    answer_form = answer_form or _answer_form(view)
    progress_form = progress_form or ProgressForm()
    return render(
        request,
        "citizen/goal.html",
        status_code=status_code,
        block=block,
        plan=view.plan,
        goal=view.goal,
        show_person=view.show_person,
        may_answer=ctx.principal.has_scope("confirm_goals"),
        answer_form=answer_form,
        progress_form=progress_form,
        errors=answer_form.summary() + progress_form.summary(),
        stale=stale,
        saved=request.query_params.get("gemt"),
    )


def goal_page(request: Request) -> Response:
    view = _goal_view(request)
    if view is None:
        return _refused(request)
    return _page(request, view)


def answer_goal(request: Request) -> Response:
    ctx = context(request)
    view = _goal_view(request)
    if view is None:
        return _refused(request)
    form = GoalAnswerForm(ctx.form)
    if not form.validate():
        return _page(request, view, answer_form=form, status_code=422, block="answer")
    assert ctx.principal.user is not None and form.version.data is not None
    result = ctx.services.goals.answer(
        view.goal.id, seen_version=form.version.data, answer=form.answer.data, comment=form.comment.data,
        by=ctx.principal.user, on_behalf_of=ctx.principal.subject_person_id if ctx.principal.acting_on_behalf else None,
        now=ctx.now,
    )
    if result is AnswerResult.STALE:
        # What they chose stays in the form, now against the newer goal: sending it again is a choice.
        form.version.data = view.goal.version
        return _page(request, view, answer_form=form, status_code=409, block="answer", stale=True)
    return RedirectResponse(f"/min-plan/maal/{view.goal.id}?gemt=svar", status_code=303)


def rate_goal(request: Request) -> Response:
    ctx = context(request)
    view = _goal_view(request)
    if view is None:
        return _refused(request)
    form = ProgressForm(ctx.form)
    if not form.validate():
        return _page(request, view, progress_form=form, status_code=422, block="progress")
    assert ctx.principal.user is not None
    ctx.services.goals.rate(view.goal.id, form.value, by=ctx.principal.user, now=ctx.now)
    return RedirectResponse(f"/min-plan/maal/{view.goal.id}?gemt=vurdering#fremskridt", status_code=303)


def routes() -> list[DeclaredRoute]:
    return [
        route("/min-plan/maal/{goal_id}", goal_page, access=Access.CITIZEN_SIDE, scope="read_plan", name="goal"),
        route("/min-plan/maal/{goal_id}/svar", answer_goal, access=Access.CITIZEN_SIDE, scope="confirm_goals",
              methods=("POST",), name="answer_goal"),
        route("/min-plan/maal/{goal_id}/fremskridt", rate_goal, access=Access.CITIZEN_SIDE, scope="confirm_goals",
              methods=("POST",), name="rate_goal"),
    ]
