"""LIX, counted by hand for small texts.

LIX = words / sentences + 100 × long words / words; a long word has more than 6
letters. Each row states the counts it expects, so a failing row shows which
counting rule broke.
"""

from __future__ import annotations

import pytest

from portal.plainlanguage import ReadabilityReport, lix, lix_band, measure

LIX_CASES = [
    # text, words, sentences, long words
    pytest.param("", 0, 0, 0, id="empty"),
    pytest.param("  \n\n \t", 0, 0, 0, id="only-white-space"),
    pytest.param("... !?", 0, 0, 0, id="only-punctuation"),
    pytest.param("Du får en mentor.", 4, 1, 0, id="short-sentence"),
    pytest.param("Kommunen hjælper dig.", 3, 1, 2, id="two-long-words"),
    pytest.param("Jeg går hjem. Du bliver her.", 6, 2, 0, id="two-sentences"),
    pytest.param("Mentor støtte.", 2, 1, 0, id="six-letters-is-not-long"),
    pytest.param("Mentors støtte.", 2, 1, 1, id="seven-letters-is-long"),
    pytest.param("Træning følger.", 2, 1, 1, id="danish-letters-are-letters"),
    pytest.param("Mål\nIndsatser\nMøder", 3, 3, 1, id="each-line-is-a-sentence"),
    pytest.param("- Mål\n- Møder\n", 2, 2, 0, id="list-items-are-sentences"),
    pytest.param("Husk: mød op.", 3, 2, 0, id="colon-ends-a-sentence"),
    pytest.param("Hvad nu?! Ring til os.", 5, 2, 0, id="repeated-marks-end-one-sentence"),
    pytest.param("Du får 3 timer.", 4, 1, 0, id="a-number-is-a-word"),
    pytest.param("Det koster 12.000 kroner.", 4, 1, 0, id="dot-inside-a-number-ends-nothing"),
    pytest.param("Mød op kl 08:30 i dag.", 6, 1, 0, id="colon-inside-a-time-ends-nothing"),
    pytest.param("1234567 er et nummer.", 4, 1, 0, id="digits-are-not-letters"),
    pytest.param("IT-systemet virker.", 2, 1, 1, id="hyphenated-word-is-one-word"),
    pytest.param("Gem ændringer", 2, 1, 1, id="no-full-stop-is-still-a-sentence"),
    pytest.param(
        "Du har ret til en mentor. Mentoren hjælper dig med at finde et job, der passer til dig.",
        18,
        2,
        2,
        id="two-plain-sentences",
    ),
]


@pytest.mark.parametrize(("text", "words", "sentences", "long_words"), LIX_CASES)
def test_lix(text: str, words: int, sentences: int, long_words: int) -> None:
    report = measure([text])
    assert (report.words, report.sentences, report.long_words) == (words, sentences, long_words)
    expected = words / sentences + 100 * long_words / words if words else 0.0
    assert lix(text) == pytest.approx(expected)
    assert report.lix == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Du får en mentor.", 4.0, id="four-short-words"),
        pytest.param("Kommunen hjælper dig.", 3 + 200 / 3, id="two-of-three-long"),
        pytest.param("Mål\nIndsatser\nMøder", 1 + 100 / 3, id="three-headings"),
        pytest.param(
            "Du har ret til en mentor. Mentoren hjælper dig med at finde et job, der passer til dig.",
            9 + 100 * 2 / 18,
            id="two-plain-sentences",
        ),
    ],
)
def test_known_lix_values(text: str, expected: float) -> None:
    assert lix(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        pytest.param(0.0, "very_easy", id="zero"),
        pytest.param(24.99, "very_easy", id="just-under-25"),
        pytest.param(25.0, "easy", id="25"),
        pytest.param(34.99, "easy", id="just-under-35"),
        pytest.param(35.0, "medium", id="35"),
        pytest.param(44.99, "medium", id="just-under-45"),
        pytest.param(45.0, "hard", id="45"),
        pytest.param(54.99, "hard", id="just-under-55"),
        pytest.param(55.0, "very_hard", id="55"),
        pytest.param(90.0, "very_hard", id="90"),
    ],
)
def test_lix_band(score: float, band: str) -> None:
    assert lix_band(score) == band


def test_measure_treats_each_string_as_its_own_sentence() -> None:
    report = measure(["Gem", "Annuller ændringer"])
    assert report == ReadabilityReport(words=3, sentences=2, long_words=2, lix=pytest.approx(3 / 2 + 200 / 3))
    assert report.band == "very_hard"


def test_measure_adds_up_like_one_text() -> None:
    texts = ["Du får en mentor.", "Kommunen hjælper dig. Ring til os.", "Mål"]
    assert measure(texts).lix == pytest.approx(lix("\n".join(texts)))


def test_measure_of_nothing() -> None:
    assert measure([]) == ReadabilityReport(words=0, sentences=0, long_words=0, lix=0.0)
