"""The promised answer time in Danish working days: weekends, Easter, Christmas and Grundlovsdag."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.messages.answertime import answer_deadline, is_working_day

D = dt.date

CASES = [
    # (written on, working days, answer at the latest, why)
    (D(2026, 12, 1), 1, D(2026, 12, 2), "Tuesday + 1: Wednesday"),
    (D(2026, 12, 1), 3, D(2026, 12, 4), "Tuesday + 3: Friday"),
    (D(2026, 12, 4), 1, D(2026, 12, 7), "Friday + 1: over the weekend to Monday"),
    (D(2026, 12, 5), 1, D(2026, 12, 7), "written on a Saturday: Monday"),
    (D(2026, 12, 6), 2, D(2026, 12, 8), "written on a Sunday: Monday counts, Tuesday"),
    (D(2026, 12, 3), 2, D(2026, 12, 7), "Thursday + 2: Friday, Monday"),
    # Easter 2026: Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6 April.
    (D(2026, 4, 1), 1, D(2026, 4, 7), "Wednesday before Easter + 1: the Tuesday after"),
    (D(2026, 3, 31), 2, D(2026, 4, 7), "Tuesday before Easter + 2: Wednesday, then Tuesday after"),
    # Christmas 2026: 24, 25, 26 December off (24th: offices closed), 31 December and 1 January too.
    (D(2026, 12, 23), 1, D(2026, 12, 28), "23 December + 1: 24, 25 and the weekend are off"),
    (D(2026, 12, 28), 3, D(2027, 1, 4), "28 December + 3: 29, 30, then 31 Dec and 1 Jan off, 4 January"),
    # Grundlovsdag: 5 June 2026 is a Friday.
    (D(2026, 6, 4), 1, D(2026, 6, 8), "Thursday before Grundlovsdag + 1: Monday"),
    (D(2027, 6, 4), 1, D(2027, 6, 7), "5 June 2027 is a Saturday: nothing extra"),
    # Ascension Day 2026 (14 May) and Whit Monday (25 May).
    (D(2026, 5, 13), 1, D(2026, 5, 15), "Wednesday before Ascension Day + 1: Friday"),
    (D(2026, 5, 22), 1, D(2026, 5, 26), "Friday before Whit Monday + 1: Tuesday"),
    # 1 May is an ordinary working day in the municipality.
    (D(2026, 4, 30), 1, D(2026, 5, 1), "1 May is a working day"),
    (D(2026, 12, 1), 10, D(2026, 12, 15), "two weeks"),
]


@pytest.mark.parametrize(("sent_on", "days", "expected", "why"), CASES, ids=[c[3] for c in CASES])
def test_answer_deadline(sent_on: dt.date, days: int, expected: dt.date, why: str) -> None:
    assert answer_deadline(sent_on, days) == expected, why


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 12, 7), True), (D(2026, 12, 5), False), (D(2026, 12, 6), False),
        (D(2026, 12, 24), False), (D(2026, 12, 25), False), (D(2026, 12, 31), False), (D(2027, 1, 1), False),
        (D(2026, 4, 3), False), (D(2026, 4, 6), False), (D(2026, 6, 5), False), (D(2026, 5, 1), True),
        # Store bededag was abolished from 2024: the fourth Friday after Easter is a working day.
        (D(2026, 5, 1), True), (D(2023, 5, 5), False),
    ],
)
def test_working_days(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_the_answer_time_is_at_least_a_day() -> None:
    with pytest.raises(ValueError):
        answer_deadline(D(2026, 12, 1), 0)
