"""Readability of Danish text, measured as LIX.

LIX = words / sentences + 100 × long words / words (Björnsson). The counting
choices, which any two LIX tools make differently, are:

- A **word** is a run of letters and digits (any script, so æ, ø and å count),
  which may be joined inside by a hyphen or an apostrophe ("IT-system", "Annette's"
  are one word each) or, between digits, by "." "," or ":" ("12.000", "08:30").
  Numbers count as words because they are read as words ("3 timer").
- A **long word** has more than 6 letters; digits and joiners are not letters,
  so "12.000" is short and "IT-system" (8 letters) is long.
- A **sentence** ends at ".", "!", "?" or ":" followed by white space or the end
  of the text, and at every line break, so list items and headings each count as
  a sentence. A piece without any word is no sentence; text without a full stop
  at the end is still one sentence. Abbreviations such as "fx." followed by a
  space end a sentence too, as in most LIX tools; write "fx" without a dot.
- Text without words scores 0.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_ALNUM = r"[^\W_]"
_WORD = re.compile(
    rf"\d+(?:[.,:]\d+)+"  # 12.000, 3,5, 08:30
    rf"|{_ALNUM}+(?:[-'’]{_ALNUM}+)*"
)
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|\n")
_LONG_WORD_LETTERS = 6


@dataclass(frozen=True)
class ReadabilityReport:
    words: int
    sentences: int
    long_words: int
    lix: float

    @property
    def band(self) -> str:
        return lix_band(self.lix)


def _count(text: str) -> tuple[int, int, int]:
    words = sentences = long_words = 0
    for piece in _SENTENCE_END.split(text):
        found = _WORD.findall(piece)
        if not found:
            continue
        sentences += 1
        words += len(found)
        long_words += sum(1 for word in found if sum(ch.isalpha() for ch in word) > _LONG_WORD_LETTERS)
    return words, sentences, long_words


def _lix(words: int, sentences: int, long_words: int) -> float:
    if words == 0:
        return 0.0
    return words / sentences + 100 * long_words / words


def lix(text: str) -> float:
    """The LIX score of ``text`` (see the module docstring for how words are counted)."""
    return _lix(*_count(text))


def lix_band(score: float) -> str:
    """The usual Danish bands: under 25 very easy, 25–34 easy, 35–44 medium, 45–54 hard, 55+ very hard.

    Scores are not rounded first: 34.9 is "easy" and 35.0 is "medium".
    """
    if score < 25:
        return "very_easy"
    if score < 35:
        return "easy"
    if score < 45:
        return "medium"
    if score < 55:
        return "hard"
    return "very_hard"


def measure(texts: Iterable[str]) -> ReadabilityReport:
    """Measure many strings as one text, each string ending its own sentence.

    UI strings such as button labels rarely end with a full stop; counting each
    as a sentence keeps a list of short labels from looking like one long
    sentence.
    """
    words = sentences = long_words = 0
    for text in texts:
        w, s, lw = _count(text)
        words += w
        sentences += s
        long_words += lw
    return ReadabilityReport(words, sentences, long_words, _lix(words, sentences, long_words))
