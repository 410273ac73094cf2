"""What the best passage leaves unexplained in a question, and what that remainder reads like.

"how many months does it take to become an mlops engineer" on a tree of topic files finds the
MLOps introduction: the passage explains the subject (MLOps), not the ask (months, getting
hired). "create a pivot table in excel" finds the SQL pivot page: it explains "pivot", not
"excel". In both, the cosine of the best passage is as high as an on-topic question's; what
differs is the part of the question the passage does not explain.

That part is the question vector minus its projection on the best passage's vector, made unit
length: `leftover(q, p) = (q - (q.p) p) / |q - (q.p) p|`. The calibration computes the same for
every question it already runs (index/calibration.py): the bundled off-topic questions and the
near-miss twins (career, money and law questions about the corpus's own subjects), and the
corpus's headings and one sentence of each of up to 150 passages (index/detail_sentences.py)
asked as questions. A question whose leftover reads like the off-topic questions' or the twins'
leftovers ("how long until hired", "in a spreadsheet") more than like the on-topic ones (the
detail a heading or a sentence adds beyond its passage's gist) is less likely covered:

    leftover = max(near(off-topic), near(twins)) - near(headings and sentences)

where `near(set)` is the mean cosine to the set's three nearest leftovers. Like the scale, it
needs no constant per corpus: each corpus's own headings and twins set the reference, and the
weight is fitted by bench/abstention.py leave-one-corpus-out. Measured there with the features
in place before (against_twins, unknown_share) as the baseline, on the eval sets as they were
before issue 12's second round added to them, held-out abstention accuracy
knowledge 0.975 -> 0.981, learning-paths 0.969 -> 0.969, roadmap-sh 0.918 -> 0.942; within
roadmap-sh (5-fold) 0.923 -> 0.965, so the remaining gap to 0.96 on roadmap-sh held out is
the transfer between corpora, not the evidence. Per question it costs one projection and
~450 dot products of 384 floats (a few microseconds).

The detail sentences joined the on-topic reference in issue 12's eighth round: the headings
alone made a fair question about one detail of a long article read like off-topic (seeds, held
out, 158 -> 166 of 176 right; bench/abstention_rounds.md has the figures).

Honest note: the form (three nearest; off-topic and twins pooled by their max; headings
subtracted) was chosen among a few variants whose held-out figures were read on all three
corpora, roadmap-sh included (1, 5 or 10 nearest; twins or off-topic alone; scaled by the
leftover's length). All of them gave roadmap-sh 0.93-0.95; the single nearest scored highest
there (0.951) but three was kept, as for the twins. So the roadmap-sh figure is held out for
the weights, not for the choice among these variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from index.snapshot import Snapshot

_NEAREST = 3  # leftovers compared per reference set (as for the twins)


def leftover(question: np.ndarray, passage: np.ndarray | None) -> np.ndarray:
    """The unit-length part of `question` that `passage` (unit vector) does not explain;
    the question itself without a passage."""
    q = np.asarray(question, dtype=np.float32)
    rest = q if passage is None else q - float(q @ passage) * passage
    norm = float(np.linalg.norm(rest))
    return rest / norm if norm > 1e-6 else np.zeros_like(q)


def leftovers(questions: np.ndarray, passages: list[np.ndarray | None]) -> np.ndarray:
    """`leftover` of each row of `questions` against its best passage, as an (n, dim) array."""
    rows = [leftover(q, p) for q, p in zip(questions, passages, strict=True)]
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)


def _near(reference: np.ndarray, rest: np.ndarray) -> float:
    if reference.size == 0:
        return 0.0
    similarity = reference @ rest
    k = min(_NEAREST, len(similarity))
    return float(np.partition(similarity, len(similarity) - k)[-k:].mean())


@dataclass(frozen=True)
class Leftovers:
    """The calibration questions' leftovers on one corpus (unit rows, (n, dim) each)."""

    off_topic: np.ndarray
    twins: np.ndarray
    on_topic: np.ndarray  # the headings', then the detail sentences' (index/detail_sentences.py)

    def score(self, question: np.ndarray, passage: np.ndarray | None) -> float:
        """How much more the question's leftover reads like an off-topic or near-miss
        question's than like a heading's or a detail sentence's (positive: like off-topic)."""
        rest = leftover(question, passage)
        off = max(_near(self.off_topic, rest), _near(self.twins, rest))
        return off - _near(self.on_topic, rest)


class PassageVectors:
    """A snapshot's passage vectors by content key, without holding the snapshot (whose BM25
    index keys the calibration cache)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._vectors = snapshot.vectors
        self._rows = snapshot.rows

    def vector(self, key: str) -> np.ndarray | None:
        """The vector of the passage with this content key, if the snapshot has it."""
        row = self._rows.get(key)
        return None if row is None else np.asarray(self._vectors[row])
