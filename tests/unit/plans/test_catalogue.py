"""The shipped catalogues load, read easily and only point at things that exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file

from portal.plainlanguage import lix
from portal.plans import catalogue
from portal.plans.catalogue import (
    SEQUENCING_REASONS,
    CatalogueError,
    LegalBasis,
    load_legal_bases,
    load_sequencing_pairs,
    parse_legal_bases,
    parse_sequencing_pairs,
)
from portal.plans.rules import SUPPORT_KIND_LABELS

# Every legal basis the demo plans use; removing one breaks stored efforts.
DEMO_CODES = [
    "LAB-KAP7",  # job conversations
    "LAB-57",  # company internship (chapter 11)
    "LAB-91",  # courses
    "LAB-167",  # mentor
    "LAB-112",  # resource course
    "LAS-KAP6A",  # resource course benefit
    "LAS-KAP4",  # cash benefit
    "SEL-83",  # home help
    "SEL-85",  # socio-pedagogical support
    "SEL-101",  # substance abuse treatment
    "SEL-52",  # children, before 2024
    "BL-32",  # children, from 2024
    "SUL-79",  # hospital and psychiatric treatment
    "SUL-140",  # rehabilitation after hospital
    "SUL-140A",  # free physiotherapy
    "FSL-3-2",  # special needs education
    "KUI",  # youth guidance
]

LEGAL_BASES = load_legal_bases()


@pytest.mark.parametrize("code", DEMO_CODES)
def test_demo_code_is_in_the_catalogue(code: str) -> None:
    basis = LEGAL_BASES[code]
    assert basis.code == code


@pytest.mark.parametrize("basis", list(LEGAL_BASES.values()), ids=list(LEGAL_BASES))
def test_every_basis_is_complete_and_easy_to_read(basis: LegalBasis) -> None:
    assert all(value.strip() for value in (basis.law, basis.paragraph, basis.title, basis.explanation))
    assert len(basis.code) <= 30  # Effort.legal_basis_code is String(30)
    assert basis.explanation.rstrip()[-1] in ".!?"
    assert lix(basis.explanation) < 45, basis.explanation


def test_old_children_paragraph_points_to_barnets_lov() -> None:
    assert "barnets lov § 32" in LEGAL_BASES["SEL-52"].explanation.lower()
    assert LEGAL_BASES["BL-32"].law == "Barnets lov"


def test_legal_bases_are_read_once_but_each_caller_gets_its_own_dict() -> None:
    first = load_legal_bases()
    first.pop("SEL-85")
    assert "SEL-85" in load_legal_bases()
    assert load_legal_bases()["SEL-85"] is LEGAL_BASES["SEL-85"]


def test_legal_bases_load_from_another_file(tmp_path: Path) -> None:
    path = tmp_path / "legal.toml"
    path.write_text(
        '[TEST-1]\nlaw = "Lov"\nparagraph = "§ 1"\ntitle = "Titel"\nexplanation = "Du får hjælp."\n',
        encoding="utf-8",
    )
    assert load_legal_bases(path) == {"TEST-1": LegalBasis("TEST-1", "Lov", "§ 1", "Titel", "Du får hjælp.")}


GOOD_BASIS = {"law": "Lov", "paragraph": "§ 1", "title": "Titel", "explanation": "Du får hjælp."}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"sel-85": GOOD_BASIS}, id="lower-case-code"),
        pytest.param({"SEL 85": GOOD_BASIS}, id="space-in-code"),
        pytest.param({"X" * 31: GOOD_BASIS}, id="code-too-long-for-column"),
        pytest.param({"SEL-85": {**GOOD_BASIS, "explanation": " "}}, id="blank-explanation"),
        pytest.param({"SEL-85": {k: v for k, v in GOOD_BASIS.items() if k != "title"}}, id="missing-title"),
        pytest.param({"SEL-85": {**GOOD_BASIS, "note": "x"}}, id="unknown-key"),
        pytest.param({"SEL-85": "text"}, id="not-a-table"),
    ],
)
def test_malformed_legal_basis_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(CatalogueError):
        parse_legal_bases(data)


# --- sequencing pairs ----------------------------------------------------------

PAIRS = load_sequencing_pairs()


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p.first_kind}-during-{p.second_kind}" for p in PAIRS])
def test_pair_uses_known_kinds_and_an_extractable_reason(pair: catalogue.SequencingPair) -> None:
    assert pair.first_kind in SUPPORT_KIND_LABELS
    assert pair.second_kind in SUPPORT_KIND_LABELS
    assert pair.reason in SEQUENCING_REASONS
    assert pair.weeks is None or pair.weeks > 0


@pytest.mark.parametrize(
    ("first_kind", "second_kind"),
    [
        ("internship", "anxiety_treatment"),
        ("internship", "psychiatric_treatment"),
        ("job_training", "anxiety_treatment"),
        ("job_training", "psychiatric_treatment"),
    ],
)
def test_work_does_not_start_during_the_first_eight_weeks_of_treatment(first_kind: str, second_kind: str) -> None:
    weeks = [p.weeks for p in PAIRS if (p.first_kind, p.second_kind) == (first_kind, second_kind)]
    assert weeks == [8]


def test_every_listed_reason_is_used() -> None:
    assert set(SEQUENCING_REASONS) == {p.reason for p in PAIRS}


def test_reasons_are_extracted_by_pybabel() -> None:
    extracted = {
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", catalogue.__file__, keywords={"N_": None}
        )
    }
    assert set(SEQUENCING_REASONS) <= extracted


GOOD_PAIR = {"first_kind": "internship", "second_kind": "anxiety_treatment", "weeks": 8, "reason": SEQUENCING_REASONS[0]}


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({**GOOD_PAIR, "first_kind": "intership"}, id="misspelt-kind"),
        pytest.param({**GOOD_PAIR, "second_kind": "internship"}, id="same-kind-twice"),
        pytest.param({**GOOD_PAIR, "weeks": 0}, id="zero-weeks"),
        pytest.param({**GOOD_PAIR, "weeks": True}, id="boolean-weeks"),
        pytest.param({**GOOD_PAIR, "weeks": "8"}, id="weeks-as-text"),
        pytest.param({**GOOD_PAIR, "reason": "Some reason nobody marked for translation."}, id="reason-not-extractable"),
        pytest.param({**GOOD_PAIR, "week": 8}, id="unknown-key"),
    ],
)
def test_malformed_pair_is_refused(entry: dict[str, Any]) -> None:
    with pytest.raises(CatalogueError):
        parse_sequencing_pairs({"pair": [entry]})


def test_pair_without_weeks_runs_the_whole_time() -> None:
    entry = {k: v for k, v in GOOD_PAIR.items() if k != "weeks"}
    [pair] = parse_sequencing_pairs({"pair": [entry]})
    assert pair.weeks is None


def test_pairs_load_from_another_file(tmp_path: Path) -> None:
    path = tmp_path / "pairs.toml"
    path.write_text(
        f'[[pair]]\nfirst_kind = "job_training"\nsecond_kind = "psychiatric_treatment"\nweeks = 4\nreason = "{SEQUENCING_REASONS[1]}"\n',
        encoding="utf-8",
    )
    [pair] = load_sequencing_pairs(path)
    assert (pair.first_kind, pair.second_kind, pair.weeks) == ("job_training", "psychiatric_treatment", 4)
