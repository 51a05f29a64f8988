"""The house's rooms: views parse, ask the policy, call a service and render; they never talk SQL."""

from __future__ import annotations

import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
SQL_IN_VIEWS = re.compile(r"select\(|\.execute\(|db\.(get|add|delete)\(|ctx\.db\b")
MAX_MODULE_LINES = 400


def _views() -> list[Path]:
    return sorted({*PORTAL.rglob("views.py"), *PORTAL.rglob("views_*.py"), *PORTAL.glob("*/views/*.py")})


def test_views_are_found() -> None:
    assert len(_views()) >= 4


def test_no_view_talks_to_the_database() -> None:
    offenders = [
        f"{path.relative_to(PORTAL.parent)}:{number}: {line.strip()}"
        for path in _views()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SQL_IN_VIEWS.search(line)
    ]
    assert offenders == []


def test_the_sql_pattern_catches_what_it_should() -> None:
    for line in ("rows = db.scalars(select(User))", "ctx.db.get(User, 1)", "db.add(x)", "db.delete(x)", "s.execute(q)"):
        assert SQL_IN_VIEWS.search(line), line
    assert not SQL_IN_VIEWS.search("ctx.services.accounts.user(user_id)")


def test_no_module_is_too_long_to_read() -> None:
    long = {
        str(path.relative_to(PORTAL.parent)): lines
        for path in PORTAL.rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
