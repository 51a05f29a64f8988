"""The translation pipeline: the committed .pot is fresh, Danish and English are complete,
placeholders survive translation, and our own Danish copy stays easy to read."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from portal.plainlanguage import measure

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def message_ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def test_committed_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location", "--sort-output",
         "--omit-header", "-F", "babel.cfg", "-k", "N_", "-o", str(fresh), "portal", "templates"],
        cwd=ROOT, check=True, capture_output=True,
    )
    committed = load(LOCALES / "messages.pot")
    assert message_ids(load(fresh)) == message_ids(committed), "run `make translations` and translate the new strings"


@pytest.mark.parametrize("locale", ["da", "en"])
def test_catalogue_is_complete(locale: str) -> None:
    template = load(LOCALES / "messages.pot")
    catalog = load(LOCALES / locale / "LC_MESSAGES" / "messages.po")
    assert message_ids(catalog) >= message_ids(template)
    untranslated = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("locale", ["da", "en"])
def test_placeholders_survive_translation(locale: str) -> None:
    catalog = load(LOCALES / locale / "LC_MESSAGES" / "messages.po")
    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - expected:
                broken.append((message.id, string))
    assert broken == []


def test_danish_interface_text_is_easy_to_read() -> None:
    catalog = load(LOCALES / "da" / "LC_MESSAGES" / "messages.po")
    texts = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts.extend(PLACEHOLDER.sub("X", s) for s in strings)
    report = measure(texts)
    print(f"\nLIX of the Danish interface text: {report.lix:.1f} ({report.words} words, {report.sentences} sentences)")
    # LIX under 35 is "easy" on the Danish scale: everyday texts, most readers.
    assert report.lix < 35
