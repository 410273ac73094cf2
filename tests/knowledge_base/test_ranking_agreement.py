"""With Ranking.agreement on (off by default: measured, no held-out gain), the hybrid ranking
prefers, in a near tie, the passage both rankers place high."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from index.answer import Ranking, rank
from index.catalog import Catalog
from index.documents import Chunk, Citation
from index.snapshot import Snapshot, make_snapshot

TEXTS = [
    "LAG returns a value from the previous row of the result.",
    "ROW_NUMBER numbers each row of a result in order.",
    "A previous value can be kept in a variable.",
    "Each row value is stored in a column of a table.",
    "Window functions compute over a set of rows.",
]
QUESTION = "value of the previous row"


def _chunk(i: int, text: str) -> Chunk:
    citation = Citation(f"Passage {i}", "", None, f"p{i}.md")
    return Chunk(f"k{i}", 0, citation, text, text, text, 1)


def _snapshot(cosines: list[float]) -> tuple[Snapshot, np.ndarray]:
    """Passages at the given cosines to the question's vector, and that vector."""
    vectors = np.zeros((len(cosines), 8), dtype=np.float32)
    for i, c in enumerate(cosines):
        vectors[i, 0], vectors[i, 1] = c, np.sqrt(1 - c * c)
    chunks = [_chunk(i, t) for i, t in enumerate(TEXTS)]
    snapshot = make_snapshot(chunks, vectors, Catalog(), {}, {}, datetime.now(UTC))
    return snapshot, np.eye(1, 8, dtype=np.float32)[0]


def test_the_passage_both_rankers_place_high_wins_a_near_tie() -> None:
    # "ROW_NUMBER" is a hair closer in meaning; "LAG" is second in meaning and first in words.
    snapshot, query = _snapshot([0.55, 0.7535, 0.05, 0.05, 0.30])
    ranking = replace(Ranking(), agreement=0.05)
    without = rank(snapshot, query, QUESTION, Ranking())
    assert [h.chunk.key for h in without[:2]] == ["k1", "k0"]
    with_agreement = rank(snapshot, query, QUESTION, ranking)
    assert [h.chunk.key for h in with_agreement[:2]] == ["k0", "k1"]


def test_a_clear_lead_in_meaning_is_kept() -> None:
    # The agreement decides near ties only: a passage far closer in meaning stays first.
    snapshot, query = _snapshot([0.55, 0.85, 0.05, 0.05, 0.30])
    hits = rank(snapshot, query, QUESTION, replace(Ranking(), agreement=0.05))
    assert hits[0].chunk.key == "k1"
