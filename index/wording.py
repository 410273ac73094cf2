"""How much of a question's wording a passage, or a reference set of questions, uses.

The lexical side of the calibrated decision (index/calibration.py): the vector leftover
(index/leftover.py) says what the best passage leaves unexplained in meaning; these say which
of the question's own words the passage names, and which of them the bundled off-topic
questions use. Words are weighted by `Speller.weight` (IDF in the corpus) and compared by their
English stem, accents folded on both sides (`words`, index/word_forms.py: "naive" is "naïve").
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from index.spelling import is_common, stems, words


def coverage(weights: dict[str, float], passage: str) -> float:
    """The share of a question's words, weighted as `weights` says (Speller.weight: IDF
    in the corpus, most for a word it never uses), that `passage` uses in some form (same
    English stem); 0.0 for a question without words (no evidence either way).

    The lexical side of the leftover: a detail inside a long passage ("weights and biases" in a
    section listing a dozen tools) gets a low cosine, but the passage names every word of it; a
    question next to the corpus ("a pivot table in excel") finds a passage that names only its
    subject."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    typed = list(weights)
    used = _stems_of(passage)
    return sum(weights[w] for w, s in zip(typed, stems(typed), strict=True) if s in used) / total


@functools.lru_cache(maxsize=2048)
def _stems_of(passage: str) -> frozenset[str]:
    # The same best passages come back for many questions: stemming one costs ~0.1 ms.
    return frozenset(stems(list(set(words(passage)))))


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The English stems of the words `texts` use, everyday words ("how", "make") left out."""
    found = {w for text in texts for w in words(text.replace("{}", " ")) if not is_common(w)}
    return frozenset(stems(sorted(found)))


def shared(weights: dict[str, float], reference: frozenset[str]) -> tuple[float, tuple[str, ...]]:
    """The weighted share of a question's words (as in `coverage`) whose stem `reference`
    (a `vocabulary`) uses, and those words.

    With the bundled off-topic questions as the reference: how much of the question asks what
    questions no study tree answers ask ("salary", "visa", "bootcamp"), weighted by how
    distinctive the word is in this corpus (a careers corpus that speaks of salaries weighs the
    word less)."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0, ()
    typed = [w for w in weights if not is_common(w)]
    found = tuple(w for w, s in zip(typed, stems(typed), strict=True) if s in reference)
    return sum(weights[w] for w in found) / total, found
