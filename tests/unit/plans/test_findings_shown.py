"""Large plans: findings write their text only when read, and the staff page lists a bounded number.

A plan of 500 efforts in the same weekly slots has 124,750 time clashes. The counts stay exact;
what is bounded is how many texts are written and shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from bs4 import BeautifulSoup

from portal import i18n
from portal.i18n import babel_locale, format_number, use_locale
from portal.plans import rules
from portal.plans.facts import EffortFacts, Finding, HealthRestriction, TimeSlot
from portal.plans.readmodels import EffortItem, PersonRef
from portal.plans.services import FINDINGS_SHOWN, StaffPlanView
from portal.templating import build_templates

ANNE = PersonRef(1, "Anne", "Anne Berg")
MONDAY_NINE = (TimeSlot(0, dt.time(9), dt.time(10)),)


def clashing(count: int) -> list[EffortFacts]:
    """``count`` active efforts for one person, all on Monday 09–10: every pair clashes."""
    return [
        EffortFacts(
            id=n, title=f"Indsats {n}", person_id=1, person_name="Anne", department_id=7, provider_name="Jobcenter",
            start=dt.date(2026, 1, 5), end=dt.date(2026, 6, 26), status="active", support_kind=None,
            physical_demands=frozenset({"lifting", "standing_long"}), slots=MONDAY_NINE,
        )
        for n in range(1, count + 1)
    ]


def view_with(findings: list[Finding]) -> StaffPlanView:
    return StaffPlanView(
        plan=cast(Any, None), visibility=cast(Any, None), goals=(), efforts=(), hidden_effort_count=0, findings=findings
    )


def overlap(n: int) -> Finding:
    return Finding(rules.RULE_TIME_OVERLAP, (n, n + 1), 1, f"Besked {n}")


# --- texts written when read ----------------------------------------------------


def test_a_text_is_written_on_first_read_and_only_once() -> None:
    calls: list[int] = []

    def write() -> str:
        calls.append(1)
        return "Skrevet"

    finding = Finding(rules.RULE_TIME_OVERLAP, (1, 2), 1, write)
    assert calls == []
    assert finding.message == "Skrevet" and finding.message == "Skrevet"
    assert calls == [1]


@pytest.mark.parametrize(
    ("made_in", "read_in", "expected"),
    [
        ("da", "da", "Anne har to indsatser"),
        ("da", "en", "Anne har to indsatser"),
        ("en", "da", "Anne has two efforts"),
        ("en", "en", "Anne has two efforts"),
    ],
)
def test_a_text_is_written_in_the_language_the_finding_was_made_in(made_in: str, read_in: str, expected: str) -> None:
    with use_locale(made_in):
        [finding] = rules.check_plan(clashing(2), [], [])
    with use_locale(read_in):
        assert finding.message.startswith(expected)


@pytest.mark.parametrize("count", [2, 3, 30])
def test_check_plan_writes_no_text_until_one_is_read(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    written: list[tuple[int, int]] = []
    original = rules._time_overlap_message

    def counting(a: EffortFacts, b: EffortFacts, *rest: Any) -> str:
        written.append((a.id, b.id))
        return original(a, b, *rest)

    monkeypatch.setattr(rules, "_time_overlap_message", counting)
    findings = rules.check_plan(clashing(count), [], [])
    assert len(findings) == count * (count - 1) // 2  # every pair, still counted exactly
    assert written == []
    assert "Indsats 1" in findings[0].message
    assert written == [(1, 2)]


def eager_order(findings: list[Finding]) -> list[tuple[str, tuple[int, ...], str]]:
    """The order the rules gave before texts were written lazily: sorted by all four fields."""
    ordered = sorted(findings, key=lambda f: (f.rule, f.effort_ids, f.person_id, f.message))
    return [(f.rule, f.effort_ids, f.message) for f in ordered]


@pytest.mark.parametrize(
    "restrictions",
    [
        pytest.param([], id="no-restrictions"),
        # Two findings about the same effort: only their texts tell them apart, in either input order.
        pytest.param([HealthRestriction(1, "Anne", "lifting", "Ryg"), HealthRestriction(1, "Anne", "standing_long", "Hofte")], id="tie-ab"),
        pytest.param([HealthRestriction(1, "Anne", "standing_long", "Hofte"), HealthRestriction(1, "Anne", "lifting", "Ryg")], id="tie-ba"),
    ],
)
@pytest.mark.parametrize("locale", ["da", "en"])
def test_the_order_is_the_same_as_sorting_by_the_texts(restrictions: list[HealthRestriction], locale: str) -> None:
    with use_locale(locale):
        findings = rules.check_plan(clashing(4), restrictions, [])
        assert [(f.rule, f.effort_ids, f.message) for f in findings] == eager_order(findings)


# --- how many the page lists ------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "shown", "more"),
    [(0, 0, 0), (1, 1, 0), (FINDINGS_SHOWN, FINDINGS_SHOWN, 0), (FINDINGS_SHOWN + 1, FINDINGS_SHOWN, 1), (124_750, FINDINGS_SHOWN, 124_700)],
)
def test_the_page_lists_the_first_findings_and_counts_the_rest(total: int, shown: int, more: int) -> None:
    findings = [overlap(n) for n in range(total)]
    view = view_with(findings)
    assert view.shown_findings == findings[:shown]
    assert view.more_findings == more
    assert len(view.findings) == total  # the counts stay exact


def render_block(block: str, **variables: Any) -> BeautifulSoup:
    template = build_templates().env.get_template("staff/plan.html")
    return BeautifulSoup("".join(template.blocks[block](template.new_context(variables))), "html.parser")


@pytest.mark.parametrize(
    ("locale", "total", "heading", "more"),
    [
        ("da", 1, "1 advarsel", None),
        ("da", FINDINGS_SHOWN, f"{FINDINGS_SHOWN} advarsler", None),
        ("da", FINDINGS_SHOWN + 1, f"{FINDINGS_SHOWN + 1} advarsler", "og 1 advarsel mere"),
        ("da", 1_285, "1.285 advarsler", "og 1.235 advarsler mere"),
        ("en", 1_285, "1,285 warnings", "and 1,235 more warnings"),
        ("en", FINDINGS_SHOWN + 1, f"{FINDINGS_SHOWN + 1} warnings", "and 1 more warning"),
    ],
)
def test_the_findings_block_says_how_many_more_there_are(locale: str, total: int, heading: str, more: str | None) -> None:
    with use_locale(locale):
        page = render_block("findings", view=view_with([overlap(n) for n in range(total)]))
    assert page.select_one("#findings-heading").get_text(strip=True) == heading
    assert len(page.select("li.finding")) == min(total, FINDINGS_SHOWN)
    shown_more = page.select_one(".findings-more")
    assert (shown_more.get_text(strip=True) if shown_more else None) == more


def effort_item(effort_id: int) -> EffortItem:
    return EffortItem(
        id=effort_id, title=f"Indsats {effort_id}", description="", member_person_id=1, member=ANNE,
        department_id=None, department=None, responsible=None, participant=None, start_date=None,
        end_date=None, slots=(), status="active", precondition_text=None, legal_basis_code=None,
        counts_as_activation=False, goal_ids=(),
    )


@pytest.mark.parametrize(("own", "lines", "more"), [(0, 0, None), (5, 5, None), (6, 5, "og 1 advarsel mere"), (499, 5, "og 494 advarsler mere")])
def test_each_effort_lists_its_first_five_findings(own: int, lines: int, more: str | None) -> None:
    by_effort = {1: [overlap(n) for n in range(own)]}
    with use_locale("da"):
        page = render_block(
            "effort_item", effort=effort_item(1), findings_by_effort=by_effort, legal_bases={},
            view=view_with([]), saved=False,
        )
    texts = [p.get_text(strip=True) for p in page.select(".finding-inline")]
    findings = [t for t in texts if "Besked" in t]
    assert len(findings) == lines and texts[:lines] == findings  # the findings first, in their order
    assert texts[lines:] == ([more] if more else [])


# --- babel ----------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "value", "written"), [("da", 7, "7"), ("da", 121_235, "121.235"), ("en", 121_235, "121,235")])
def test_numbers_are_written_as_the_language_writes_them(locale: str, value: int, written: str) -> None:
    with use_locale(locale):
        assert format_number(value) == written


def test_the_babel_locale_is_parsed_once_per_language() -> None:
    with use_locale("da"):
        first, again = babel_locale(), babel_locale()
    with use_locale("en"):
        english = babel_locale()
    assert first is again and str(first) == "da"
    assert english is not first and str(english) == "en"
    assert i18n.text_direction() == "ltr"
