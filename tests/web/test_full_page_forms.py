"""The effort and goal forms on a page of their own (issue 9): with JavaScript on, htmx must not
be told to swap into an item of the plan page (``#effort-12``) that is not on this page, or it
refuses to send and the button does nothing. The same forms fetched in place keep their hx-*."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, Person
from portal.plans.models import Plan

from tests.conftest import PortalClient
from tests.support.html_forms import read_form, with_values

HTMX = {"HX-Request": "true"}


class _Targets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.targets: list[str] = []
        self.posts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        target = values.get("hx-target")
        if target is not None:
            self.targets.append(target)
        if "hx-post" in values:
            self.posts += 1


def _targets(html: str) -> _Targets:
    parser = _Targets()
    parser.feed(html)
    return parser


def _missing_targets(html: str) -> list[str]:
    """Every hx-target that names an id not on the page (``this``, ``closest …`` are not ids)."""
    parsed = _targets(html)
    return [t for t in parsed.targets if t.startswith("#") and t[1:] not in parsed.ids]


def _plan(db: Session) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == "Annette")).one()


def _paths(plan: Plan) -> list[str]:
    effort = next(e for e in plan.efforts if e.title.startswith("Angstforløb"))
    base = f"/sag/plan/{plan.id}"
    return [f"{base}/indsats/{effort.id}", f"{base}/indsats/ny", f"{base}/maal/{plan.goals[0].id}", f"{base}/maal/ny"]


def test_the_effort_and_goal_forms_on_their_own_page_point_htmx_at_nothing_missing(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    client.login_as("Camilla Brandt")
    for path in _paths(plan):
        page = client.get(path)
        assert page.status_code == 200 and "<html" in page.text, path
        assert 'src="/static/js/htmx.min.js' in page.text  # htmx is on the page, so hx-* would act
        assert read_form(page.text, path, 0), path
        assert _missing_targets(page.text) == [], path
        assert _targets(page.text).posts == 0, path  # a plain form: it posts and lands on the plan page

        # Fetched in place by the plan page, the same form swaps into its item.
        block = client.get(path, headers=HTMX)
        assert block.status_code == 200 and "<html" not in block.text, path
        assert _targets(block.text).posts == 1 and _targets(block.text).targets, path


def test_the_conflict_page_on_its_own_points_htmx_at_nothing_missing(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    client.login_as("Camilla Brandt")
    for path, theirs, mine in (
        (_paths(plan)[0], {"title": "Deres titel"}, {"title": "Min titel"}),
        (_paths(plan)[2], {"professional_wording": "Deres ord"}, {"professional_wording": "Mine ord"}),
    ):
        shown = read_form(client.get(path).text, path, 0)
        assert client.post(path, data=_data(with_values(shown, **theirs)), follow_redirects=False).status_code == 303
        conflict = client.post(path, data=_data(with_values(shown, **mine)), follow_redirects=False)
        assert conflict.status_code == 409 and "<html" in conflict.text, path
        assert _missing_targets(conflict.text) == [], path
        assert _targets(conflict.text).posts == 0, path
        # "Use mine" as a plain form: saved, and back on the plan page.
        used = client.post(path, data=_data(read_form(conflict.text, path, 0)), follow_redirects=False)
        assert used.status_code == 303 and used.headers["location"].startswith(f"/sag/plan/{plan.id}?gemt="), path


def _data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_every_in_place_form_is_an_edit_block_that_a_live_update_keeps(client: PortalClient, demo_db: Session) -> None:
    """static/app/staff.js keeps, on a live update, the item whose ``.edit-block`` is open: so every
    form the plan page fetches in place must be one, and the live parts must use the extension."""
    from portal.plans.models import Meeting, Participant, SharedAssessment

    plan = _plan(demo_db)
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/plan/{plan.id}").text
    assert 'hx-ext="sse,keep-open-edits"' in page
    base = f"/sag/plan/{plan.id}"
    extra = [
        f"{base}/{segment}/{item_id}"
        for segment, model in (("moeder", Meeting), ("deltagere", Participant))
        for item_id in demo_db.scalars(select(model.id).where(model.plan_id == plan.id).order_by(model.id)).all()[:1]
    ]
    assessment = demo_db.scalars(  # her own department's: she may change it
        select(SharedAssessment.id).join(Department, SharedAssessment.department_id == Department.id)
        .where(SharedAssessment.person_id == plan.citizen_id, Department.kind == "social_adult")).one()
    extra.append(f"{base}/vurderinger/{assessment}")
    paths = [p for p in [*_paths(plan), *extra] if f'hx-get="{p}"' in page]
    assert len(paths) == 7, paths  # each kind is offered in place to the contact person
    for path in paths:
        block = client.get(path, headers=HTMX)
        assert block.status_code == 200, path
        assert block.text.lstrip().startswith('<div class="edit-block"'), path
    static = client.get("/static/app/staff.js").text
    assert 'defineExtension("keep-open-edits"' in static and "hx-preserve" in static
