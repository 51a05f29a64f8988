"""Catalogues that ship with the code: sequencing pairs and legal bases.

Both live in TOML next to this module so that a municipality can review them
without reading Python. Loading validates them strictly: a typo in a support
kind would otherwise silently switch a warning off.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from portal.plans.rules import SUPPORT_KIND_LABELS, SequencingPair


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


# Every reason used in sequencing.toml, spelled out here so that pybabel (keyword
# N_) extracts them; the rules translate the reason when they make a finding.
SEQUENCING_REASONS: tuple[str, ...] = (
    N_(
        "The first weeks of anxiety treatment take a lot of strength. An internship or job "
        "training at the same time can make the anxiety worse, so let the treatment get going first."
    ),
    N_(
        "The first weeks of psychiatric treatment take a lot of strength. Let the treatment get "
        "going before an internship or job training starts."
    ),
)

_PACKAGE = "portal.plans"
_CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
_CODE_MAX_LENGTH = 30  # Effort.legal_basis_code is String(30)


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file and the entry."""


def _read_toml(path: Path | None, default_name: str) -> tuple[str, dict[str, Any]]:
    if path is None:
        resource = resources.files(_PACKAGE).joinpath(default_name)
        return default_name, tomllib.loads(resource.read_text(encoding="utf-8"))
    return str(path), tomllib.loads(path.read_text(encoding="utf-8"))


# --- sequencing pairs -------------------------------------------------------


def parse_sequencing_pairs(data: dict[str, Any], source: str = "sequencing.toml") -> tuple[SequencingPair, ...]:
    entries = data.get("pair", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{source}: 'pair' must be an array of tables ([[pair]])")
    pairs = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: pair {number}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: must be a table")
        unknown = set(entry) - {"first_kind", "second_kind", "weeks", "reason"}
        if unknown:
            raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
        kinds = []
        for key in ("first_kind", "second_kind"):
            kind = entry.get(key)
            if kind not in SUPPORT_KIND_LABELS:
                raise CatalogueError(f"{where}: {key} {kind!r} is not a known support kind")
            kinds.append(kind)
        if kinds[0] == kinds[1]:
            raise CatalogueError(f"{where}: first_kind and second_kind are the same")
        weeks = entry.get("weeks")
        # bool is an int in Python; "weeks = true" is a typo, not one week.
        if weeks is not None and (isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1):
            raise CatalogueError(f"{where}: weeks must be a positive whole number or left out")
        reason = entry.get("reason")
        if reason not in SEQUENCING_REASONS:
            raise CatalogueError(
                f"{where}: reason is not in SEQUENCING_REASONS (portal/plans/catalogue.py), "
                "so it would never be translated"
            )
        pairs.append(SequencingPair(kinds[0], kinds[1], weeks, reason))
    return tuple(pairs)


@lru_cache(maxsize=None)
def load_sequencing_pairs(path: Path | None = None) -> tuple[SequencingPair, ...]:
    """The configured pairs; the shipped sequencing.toml unless a path is given."""
    source, data = _read_toml(path, "sequencing.toml")
    return parse_sequencing_pairs(data, source)


# --- legal bases ------------------------------------------------------------


@dataclass(frozen=True)
class LegalBasis:
    code: str
    law: str
    paragraph: str
    title: str
    explanation: str  # plain Danish, for the citizen


def parse_legal_bases(data: dict[str, Any], source: str = "legal_basis.toml") -> tuple[LegalBasis, ...]:
    bases = []
    for code, entry in data.items():
        where = f"{source}: [{code}]"
        if not _CODE.match(code) or len(code) > _CODE_MAX_LENGTH:
            raise CatalogueError(f"{where}: a code is upper-case letters and digits joined by '-', at most 30 long")
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: must be a table")
        fields = ("law", "paragraph", "title", "explanation")
        unknown = set(entry) - set(fields)
        if unknown:
            raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
        values = []
        for key in fields:
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                raise CatalogueError(f"{where}: {key} must be a non-empty string")
            values.append(value.strip())
        bases.append(LegalBasis(code, *values))
    return tuple(bases)


@lru_cache(maxsize=None)
def _legal_bases(path: Path | None) -> tuple[LegalBasis, ...]:
    source, data = _read_toml(path, "legal_basis.toml")
    return parse_legal_bases(data, source)


def load_legal_bases(path: Path | None = None) -> dict[str, LegalBasis]:
    """Code → legal basis, in catalogue order.

    The file is read once; each call gets its own dict so a caller that changes
    it cannot change what the next caller sees.
    """
    return {basis.code: basis for basis in _legal_bases(path)}
