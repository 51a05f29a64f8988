"""The generic conflict mechanism (portal/plans/editing.py) and the after-effort loop check."""

from __future__ import annotations

from starlette.datastructures import FormData

from portal.plans.edit_choices import loops
from portal.plans.editing import FieldSpec, conflict_of, is_merge, resolved, values_of

SPECS = (
    FieldSpec("title", "Navn", ("title",)),
    FieldSpec("slots", "Tider", ("slots-weekday", "slots-start")),
    FieldSpec("cost", "Pris", ("cost",)),
)


def _show(spec: FieldSpec, values: dict[str, tuple[str, ...]]) -> str:  # type: ignore[type-arg]
    return "|".join(v for name in spec.inputs for v in values.get(name, ()))


def test_the_conflict_lists_each_field_and_marks_those_that_differ() -> None:
    theirs = {"title": ("Deres",), "slots-weekday": ("1",), "slots-start": ("09:00",), "cost": ()}
    mine = {"title": ("Min",), "slots-weekday": ("1",), "slots-start": ("09:00",), "cost": ("",)}
    conflict = conflict_of(SPECS, theirs, mine, show=_show, title="X", action="/a", back="/b", version=3)  # type: ignore[arg-type]
    assert [(r.name, r.differs) for r in conflict.rows] == [("title", True), ("slots", False), ("cost", False)]
    assert [r.name for r in conflict.differing] == ["title"]
    assert ("title", "Min") in conflict.mine and ("theirs__title", "Deres") in conflict.theirs
    assert not any(name.startswith("theirs__slots") for name, _v in conflict.theirs)  # only what differs


def test_a_merge_takes_theirs_where_chosen_and_mine_elsewhere() -> None:
    posted = FormData([
        ("csrf_token", "t"), ("version", "4"), ("title", "Min"), ("slots-weekday", "2"), ("slots-start", "10:00"),
        ("theirs__title", "Deres"), ("theirs__slots-weekday", "1"), ("theirs__slots-weekday", "3"),
        ("theirs__slots-start", "09:00"), ("theirs__slots-start", "12:00"),
        ("pick__title", "theirs"), ("pick__slots", "mine"),
    ])
    assert is_merge(posted)
    merged = resolved(posted, SPECS)
    assert merged.getlist("title") == ["Deres"]
    assert merged.getlist("slots-weekday") == ["2"] and merged["version"] == "4"
    assert not any(k.startswith(("pick__", "theirs__")) for k in merged.keys())
    taken = resolved(FormData([*posted.multi_items(), ("pick__slots", "theirs")]), SPECS)
    assert taken.getlist("slots-weekday") == ["1", "3"] and taken.getlist("slots-start") == ["09:00", "12:00"]


def test_a_plain_form_is_no_merge() -> None:
    posted = FormData([("title", " Min "), ("version", "1")])
    assert not is_merge(posted)
    assert values_of(posted, SPECS)["title"] == ("Min",)


def test_loops_are_found_through_a_chain_of_efforts() -> None:
    chain = {1: None, 2: 1, 3: 2, 4: None}
    assert loops(1, 3, chain)          # 1 after 3, which waits for 2, which waits for 1
    assert loops(1, 1, chain)
    assert not loops(4, 3, chain)
    assert not loops(None, 3, chain)   # a new effort: nothing waits for it
    assert not loops(5, 6, {6: 7, 7: 6})  # a ring elsewhere ends the walk
