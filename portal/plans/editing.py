"""No lost update: a save from an old copy of an item becomes a conflict view, never an overwrite.

Every editable item (an effort, a goal, a meeting, an outside participant, a shared assessment,
the plan's contact person and deputy) carries a version that its form sends back. A save whose version is no longer the item's is refused with 409 and the
conflict view (``templates/staff/conflict.html``): per field, what the item holds now ("theirs")
and what this person sent ("mine"), side by side. They choose

- "behold deres" (keep theirs): nothing is saved; a link back to the item;
- "brug min" (use mine): their values are sent again, now against the current version;
- a merge: for each field that differs, a choice of theirs or mine; sent against the current version.

Both sends are ordinary saves of the item's own form, so every check of the form applies again,
and a third person saving meanwhile gives a new conflict rather than a lost update.

The module knows nothing of efforts or goals. An item's form is described by ``FieldSpec``s
(one per field a person thinks of: "time slots" is one field made of many inputs), and values
are what the form posts: input name → the values sent under it (``Values``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

# The merge form's inputs: the chosen side per field, and the other side's values.
PICK = "pick__"
THEIRS = "theirs__"
MINE, KEEP_THEIRS = "mine", "theirs"

Values = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class FieldSpec:
    name: str                      # the field (also the revision's field name)
    label: str                     # its label, in the request's language
    inputs: tuple[str, ...]        # the form inputs that carry it


@dataclass(frozen=True)
class ConflictRow:
    name: str
    label: str
    theirs: str                    # the value now saved, in words
    mine: str                      # the value sent, in words
    differs: bool


@dataclass(frozen=True)
class Conflict:
    """What the conflict view shows and sends."""

    title: str                     # the item, in words ("Mentor fra jobcentret")
    action: str                    # where the item's form posts
    back: str                      # the item on the plan page ("keep theirs")
    version: int                   # the item's current version: what a new send is based on
    rows: tuple[ConflictRow, ...]
    mine: tuple[tuple[str, str], ...]     # the sent values, to send again
    theirs: tuple[tuple[str, str], ...]   # the saved values of the differing fields, for the merge
    changed_by: str | None = None  # who saved last, when known
    changed_at: dt.datetime | None = None
    target: str | None = None      # the id of the item's block on the plan page (for htmx)

    @property
    def differing(self) -> tuple[ConflictRow, ...]:
        return tuple(row for row in self.rows if row.differs)


def values_of(form: FormData, specs: Iterable[FieldSpec]) -> dict[str, tuple[str, ...]]:
    """The item's values as the form sent them (stripped of surrounding spaces)."""
    return {name: tuple(_str(value).strip() for value in form.getlist(name)) for spec in specs for name in spec.inputs}


def _str(value: str | UploadFile) -> str:
    return value if isinstance(value, str) else ""  # forms here never upload files


def _same(spec: FieldSpec, theirs: Values, mine: Values) -> bool:
    return all(_normal(theirs.get(name, ())) == _normal(mine.get(name, ())) for name in spec.inputs)


def _normal(values: Sequence[str]) -> tuple[str, ...]:
    # An empty input and a missing one mean the same.
    return tuple(value for value in values if value != "")


def conflict_of(
    specs: Sequence[FieldSpec], theirs: Values, mine: Values, *, show: Callable[[FieldSpec, Values], str],
    title: str, action: str, back: str, version: int, changed_by: str | None = None,
    changed_at: dt.datetime | None = None, target: str | None = None,
) -> Conflict:
    """The conflict between the saved values (theirs) and the sent ones (mine); ``show`` puts a
    field's values in words."""
    rows = tuple(
        ConflictRow(spec.name, spec.label, show(spec, theirs), show(spec, mine), not _same(spec, theirs, mine))
        for spec in specs
    )
    differing = {row.name for row in rows if row.differs}
    return Conflict(
        title=title, action=action, back=back, version=version, rows=rows,
        mine=tuple((name, value) for spec in specs for name in spec.inputs for value in mine.get(name, ())),
        theirs=tuple(
            (THEIRS + name, value)
            for spec in specs if spec.name in differing
            for name in spec.inputs for value in theirs.get(name, ())
        ),
        changed_by=changed_by, changed_at=changed_at, target=target,
    )


def resolved(form: FormData, specs: Iterable[FieldSpec]) -> FormData:
    """The form as the item's own form reads it: for a merge, each field the person chose to keep
    as saved ("theirs") takes the values the conflict view sent along; everything else as sent.
    A form without choices comes back unchanged (apart from the merge inputs)."""
    specs = list(specs)
    keep = {spec.name for spec in specs if form.getlist(PICK + spec.name)[-1:] == [KEEP_THEIRS]}
    replaced = {name for spec in specs if spec.name in keep for name in spec.inputs}
    items: list[tuple[str, str | UploadFile]] = [
        (name, value) for name, value in form.multi_items()
        if not name.startswith((PICK, THEIRS)) and name not in replaced
    ]
    for name in sorted(replaced):
        items.extend((name, value) for value in form.getlist(THEIRS + name))
    return FormData(items)


def is_merge(form: FormData) -> bool:
    return any(name.startswith(PICK) for name, _value in form.multi_items())


__all__ = [
    "Conflict", "ConflictRow", "FieldSpec", "KEEP_THEIRS", "MINE", "PICK", "THEIRS", "Values",
    "conflict_of", "is_merge", "resolved", "values_of",
]
