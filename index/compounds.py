"""Compound words in the form a corpus writes them: "post-mortem", "data set", "front-end".

A learner types "blameless postmortems"; learning-paths writes "post-mortem". Counted word by
word, "postmortems" is a word the corpus never uses: the decision read it as evidence of "not
covered" (index/calibration.py's unknown share) and BM25 matched nothing. So the speller
(index/spelling.py) also records each compound a passage writes in two pieces, under the
compound written as one word: a hyphenated word ("post-mortem" -> "postmortem"), and two
adjacent words whose concatenation is an English word ("data set" -> "dataset", "health check"
-> "healthcheck"; wordfreq's list of ~320,000 English words, brands and web words included,
neither word one of BM25's stop words: "and the" is no "andthe", though web text writes it;
and no common word: "over time" is no "overtime", see `_PAIR_ZIPF`).
A question word the corpus lacks (and no everyday word) that is one of these, in any
inflection (same English stem), is read as the corpus writes it: known, and searched so, BM25
matching its pieces. A hyphenated question word the corpus writes joined ("front-end",
"frontend") is read joined. No word lists: every compound comes from the corpus itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache
from itertools import pairwise

# Both words of a pair at least this long: "in to" is no "into", "a head" no "ahead".
_MIN_PART = 3
# A hyphenated word joined at least this long: "e-mail" counts, "x-y" does not.
_MIN_JOINED = 5
# Two words stand for a joined word only below this Zipf value (wordfreq: log10 of uses per
# billion words; spelling.py's name threshold). Common joined words are other words than the
# pair: "over time" is no "overtime" (3.94), "set up" no "setup"; the compounds two words stand
# for are rarer: "postmortem" 2.75, "dataset" 3.03, "realtime" 2.85, "healthcheck" 1.13.
_PAIR_ZIPF = 3.1


@cache
def _stop() -> frozenset[str]:
    """The English stop words BM25 leaves out (bm25s's): "you need" is no compound "youneed"."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@cache
def _english() -> frozenset[str]:
    """wordfreq's English words below `_PAIR_ZIPF` (~0.2 s once; the speller reads the same
    list for names anyway)."""
    from wordfreq import get_frequency_dict

    below = 10 ** (_PAIR_ZIPF - 9)  # Zipf 3.1 as a share of all words
    return frozenset(w for w, f in get_frequency_dict("en").items() if f < below)


def written_apart(found: list[str]) -> Iterator[tuple[str, str]]:
    """(joined, as written) for each compound of one passage's words (`spelling.words`):
    hyphenated words and adjacent word pairs whose concatenation is an English word."""
    english, stop = _english(), _stop()
    for word in found:
        if "-" in word:
            joined = word.replace("-", "")
            if len(joined) >= _MIN_JOINED and joined.isalpha():
                yield joined, word
    for first, second in pairwise(found):
        if len(first) >= _MIN_PART and len(second) >= _MIN_PART:
            if first in stop or second in stop:
                continue
            joined = first + second
            if joined in english and joined.isalpha():
                yield joined, f"{first} {second}"


def most_used(compounds: Counter[tuple[str, str]]) -> dict[str, str]:
    """Stem of each joined form -> the way the corpus writes it most ((stem, written) counts)."""
    written: dict[str, str] = {}
    for (stem, form), _ in compounds.most_common():
        written.setdefault(stem, form)
    return written
