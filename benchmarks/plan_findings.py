"""The warnings of a plan of 500 efforts that share the same weekly time slots, old way and new.

The shape is that of tests/web/test_statement_counts.py: one citizen, 500 copies of one active
effort from one department, each on Monday and Wednesday 09:00–10:00, all within the same dates,
so every pair clashes (124,750 time-clash findings). Everything runs in memory, in Danish.

    check_plan   rules.check_plan over the 500 efforts' facts
    page         the staff plan page's findings: the real ``findings`` block of
                 templates/staff/plan.html, and each effort's own warnings as the
                 ``effort_item`` block lists them

"old" is the code before this change, reached in the same run: every message written when
the finding is made (each finding's text read at once), Locale.parse on every babel call, and
the page listing every finding, on top and under both of its efforts. "new" is what runs now:
texts written when read, a cached Locale, 50 findings on top and 5 per effort. The old way
searches the pairs with today's (slightly faster) code, so its figures are a lower bound.

Run from the checkout: PYTHONPATH=. .venv/bin/python benchmarks/plan_findings.py [--efforts N] [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from babel import Locale

from portal import i18n
from portal.plans import rules
from portal.plans.services import StaffPlanView
from portal.templating import build_templates

# Each effort's own warnings, before (every one) and now (as templates/staff/plan.html lists them).
OLD_PER_EFFORT = """{% for finding in findings_by_effort.get(effort_id, []) %}
<p class="finding-inline badge badge-warning">{{ label("rule", finding.rule) }}: {{ finding.message }}</p>
{% endfor %}"""
NEW_PER_EFFORT = """{% set effort_findings = findings_by_effort.get(effort_id, []) %}
{% for finding in effort_findings[:5] %}
<p class="finding-inline badge badge-warning">{{ label("rule", finding.rule) }}: {{ finding.message }}</p>
{% endfor %}
{% if effort_findings|length > 5 %}<p class="finding-inline badge badge-warning">{{ ngettext("and %(num)s more warning", "and %(num)s more warnings", effort_findings|length - 5, num=(effort_findings|length - 5)|number) }}</p>{% endif %}"""
OLD_FINDINGS_BLOCK = """{% if view.findings %}
<h2 id="findings-heading">{{ ngettext("%(num)d warning", "%(num)d warnings", view.findings|length) }}</h2>
<ul class="findings">
  {% for finding in view.findings %}
  <li class="finding finding-warning" data-rule="{{ finding.rule }}">
    <h3 class="finding-title">{{ label("rule", finding.rule) }}</h3>
    <p class="finding-text">{{ finding.message }}</p>
  </li>
  {% endfor %}
</ul>
{% endif %}"""


def efforts(count: int) -> list[rules.EffortFacts]:
    slots = tuple(rules.TimeSlot(day, dt.time(9), dt.time(10)) for day in (0, 2))
    return [
        rules.EffortFacts(
            id=number, title="Mentorforløb", person_id=1, person_name="Annette", department_id=7,
            provider_name="Jobcenter Aarhus", start=dt.date(2026, 1, 5), end=dt.date(2026, 12, 18),
            status="active", support_kind="mentor", slots=slots,
        )
        for number in range(1, count + 1)
    ]


@contextmanager
def old_locale_parsing() -> Iterator[None]:
    """Locale.parse on every call, as babel_locale did before it cached the parsed Locale."""
    cached = i18n._parsed_locale
    i18n._parsed_locale = Locale.parse  # type: ignore[assignment]
    try:
        yield
    finally:
        i18n._parsed_locale = cached


def timed(work: Callable[[Any], Any], repeat: int, setup: Callable[[], Any] = lambda: None) -> tuple[float, Any]:
    """The best time of ``repeat`` runs of ``work(setup())``; setup is not timed."""
    best, result = float("inf"), None
    for _round in range(repeat):
        given = setup()
        started = time.perf_counter()
        result = work(given)
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--efforts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each")
    args = parser.parse_args()
    facts = efforts(args.efforts)
    env = build_templates().env
    plan_page = env.get_template("staff/plan.html")
    old_block, old_per_effort, new_per_effort = (
        env.from_string(source) for source in (OLD_FINDINGS_BLOCK, OLD_PER_EFFORT, NEW_PER_EFFORT)
    )

    def old_check() -> list[rules.Finding]:
        findings = rules.check_plan(facts, [], [])
        for finding in findings:
            finding.message  # written when made, as before
        return findings

    def new_check() -> list[rules.Finding]:
        return rules.check_plan(facts, [], [])

    def page(findings: list[rules.Finding], block: Callable[[dict[str, Any]], str], per_effort: Any) -> int:
        view = StaffPlanView(plan=cast(Any, None), visibility=cast(Any, None), goals=(), efforts=(),
                             hidden_effort_count=0, findings=findings)
        by_effort: dict[int, list[rules.Finding]] = defaultdict(list)
        for finding in findings:
            for effort_id in finding.effort_ids:
                by_effort[effort_id].append(finding)
        html = [block({"view": view})]
        html += [per_effort.render(findings_by_effort=by_effort, effort_id=e.id) for e in facts]
        return sum(len(part) for part in html)

    def new_block(variables: dict[str, Any]) -> str:
        return "".join(plan_page.blocks["findings"](plan_page.new_context(variables)))

    with i18n.use_locale("da"):
        with old_locale_parsing():
            old_check_s, old_findings = timed(lambda _none: old_check(), args.repeat)
            old_page_s, old_bytes = timed(lambda _none: page(old_findings, old_block.render, old_per_effort), args.repeat)
        new_check_s, new_findings = timed(lambda _none: new_check(), args.repeat)
        # Each run gets fresh findings whose texts are not written yet, as a request does.
        new_page_s, new_bytes = timed(lambda fresh: page(fresh, new_block, new_per_effort), args.repeat, new_check)
    assert [(f.rule, f.effort_ids) for f in old_findings] == [(f.rule, f.effort_ids) for f in new_findings]
    print(f"{args.efforts} efforts, {len(new_findings):,} findings (best of {args.repeat})")
    print(f"{'':12} {'old s':>8} {'new s':>8} {'old/new':>8}")
    for name, old, new in (("check_plan", old_check_s, new_check_s), ("page", old_page_s, new_page_s),
                           ("total", old_check_s + old_page_s, new_check_s + new_page_s)):
        print(f"{name:12} {old:8.2f} {new:8.2f} {old / new:8.1f}x")
    print(f"findings HTML: old {old_bytes / 1e6:.1f} MB, new {new_bytes / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
