"""Do the dense and lexical rankers agree on where a question's answer is?

A question the corpus covers tends to find one place of it from every angle: the passage
closest in meaning comes from a file whose passages also match the question's words. An
off-topic or near-miss question finds its closest passage by a loose resemblance of meaning
while BM25 matches its words ("salary", "install", "python") somewhere else, or nowhere:

    agreement = 1 if the file of the closest passage by cosine, among the first ten hits,
                  is one of the best three files by BM25 among those hits; else 0

(0 also when no hit matches a word of the question). It is read from the ranked hits the
decision already has (their `dense` and `lexical` scores, index/answer.py `rank`); the ranking
is not changed, and it costs a pass over ten hits. The decision weighs it with the fitted
`W_AGREEMENT` (index/calibration.py), and `Decision.explain()` says when it is 0.

Issue 12 round 11b (bench/agreement.py; bench/abstention_rounds.md "Round 11, ranker
agreement"): of nine forms, each raw and placed on the corpus's own scale, measured held out
(leave-one-corpus-out) on the fitted and read eval sets, this one, the form written down first,
lifted the total 1522 -> 1529 of 1591 with no corpus dropping (a column of random numbers:
1515-1525); two and five files instead of three gave 1528 and 1527. The coherence of the best
five passages (their files' share, their mean pairwise cosine, the distinct files among them),
the rank correlation of the two rankers, the reverse direction (BM25's best file among the
closest three) and every form placed on a corpus's own scale (0 at its off-topic questions, 1 at
its headings) did not pay off: the file share is cheap on the seeds corpus (29 passages in four
articles) and meaningless on roadmap-sh (a file per topic). Chosen among those forms on the same
pool, so the +7 is partly tuned; the blind sets judge it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.documents import Hit

DEPTH = 10  # the hits read: every caller ranks at least ten (index/search.py)
FILES = 3  # the best files by BM25 the closest passage's file must be among


def files_by(hits: Sequence[Hit], score: str) -> list[str]:
    """The distinct files of `hits`, best first by the hit score named (`dense`, `lexical`),
    hits without a word match left out for `lexical`."""
    ranked = sorted(
        (h for h in hits if score != "lexical" or h.lexical > 0),
        key=lambda h: -float(getattr(h, score)),
    )
    return list(dict.fromkeys(h.chunk.citation.source for h in ranked))


def agreement(hits: Sequence[Hit]) -> float:
    """1.0 when the closest passage's file (by cosine, first `DEPTH` hits) is among BM25's
    best `FILES` files there, else 0.0 (also without hits or without a word match)."""
    top = hits[:DEPTH]
    closest = files_by(top, "dense")
    return float(bool(closest) and closest[0] in files_by(top, "lexical")[:FILES])
