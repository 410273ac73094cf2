"""Ranking (dense + lexical, fused) and answers (cite, collapse duplicates, abstain).

The fusion method, its weight and the abstention threshold are measured by
`bench/retrieval.py` on the eval sets in `bench/eval/`; the defaults below are its results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index.documents import Answer, Hit
from index.embedder import Vectors
from index.snapshot import Snapshot

if TYPE_CHECKING:
    from index.calibration import Decision


@dataclass(frozen=True)
class Ranking:
    """How results are ranked and when an answer abstains.

    hybrid = alpha * cosine + (1 - alpha) * BM25 / (best BM25 of the question): cosine keeps
    the meaning, the lexical half rewards the exact names and keywords a learner typed.
    """

    method: str = "hybrid"  # or "dense", "lexical", "rrf" (reciprocal rank fusion)
    alpha: float = 0.8
    rrf_k: int = 60
    depth: int = 50  # candidates taken from each ranker before fusion
    # Passages below this cosine are not shown next to stronger ones; for method="dense" and the
    # benchmarks' fixed-threshold baseline, the abstention threshold. The knowledge base's
    # answer/abstain decision is calibrated per corpus (index/calibration.py).
    min_similarity: float = 0.33
    # For method="lexical" only: abstain below this BM25 score (calibrated).
    min_lexical: float = 3.4
    # Passages within this fraction of the best score are "as relevant"; among them, those of
    # the learner's current module rank first (bench/boost.py measures it).
    module_margin: float = 0.01
    # Passages whose vectors are this similar to a better one are the same evidence.
    duplicate_similarity: float = 0.95


def rank(
    snapshot: Snapshot,
    query: Vectors,
    question: str,
    ranking: Ranking,
    *,
    limit: int = 10,
    boost_module: tuple[str, str] | None = None,
) -> list[Hit]:
    """The best `limit` chunks for a question whose vector is `query` (shape (dim,))."""
    n = len(snapshot.chunks)
    if n == 0:
        return []
    depth = min(n, max(ranking.depth, limit))
    candidates: set[int] = set()
    if ranking.method != "lexical":
        _, ids = snapshot.dense.search(query.reshape(1, -1), depth)
        candidates.update(int(i) for i in ids[0] if i >= 0)
    lexical_all = snapshot.lexical.scores(question) if ranking.method != "dense" else None
    if lexical_all is not None:
        # Most passages share no word with a question: partition only the scored ones.
        scored = np.flatnonzero(lexical_all > 0)
        if len(scored) > depth:
            scored = scored[np.argpartition(-lexical_all[scored], depth - 1)[:depth]]
        candidates.update(scored.tolist())
    if not candidates:
        return []
    rows = np.fromiter(sorted(candidates), dtype=np.int64)
    # Exact cosines of the candidates, whether the dense index that found them is exact or not.
    dense = snapshot.vectors[rows] @ query
    lexical = lexical_all[rows] if lexical_all is not None else np.zeros(len(rows), np.float32)
    if ranking.method == "dense":
        fused = dense.astype(np.float64)
    elif ranking.method == "lexical":
        fused = lexical.astype(np.float64)
    elif ranking.method == "rrf":
        fused = 1.0 / (ranking.rrf_k + _ranks(dense)) + 1.0 / (ranking.rrf_k + _ranks(lexical))
    else:
        best = float(lexical.max()) if len(lexical) else 0.0
        lexical_part = lexical / best if best > 0 else np.zeros_like(lexical)
        fused = ranking.alpha * dense + (1 - ranking.alpha) * lexical_part
    if boost_module is not None:
        # A tie-break, not a multiplier: only passages within `module_margin` of the best
        # move, so a weaker passage of the learner's module never overtakes a clearly better
        # one. The former x1.05 multiplier did, for questions about another module (MRR@10
        # -0.014 for the worst module on bench/eval/knowledge.yaml). Lifting by the margin
        # puts every boosted passage of the band at or above the best; nothing below it moves.
        path_id, module_id = boost_module
        lift = ranking.module_margin * abs(float(fused.max()))
        band = float(fused.max()) - lift
        for j, row in enumerate(rows):
            c = snapshot.chunks[row]
            if c.path_id == path_id and c.module_id == module_id and fused[j] >= band:
                fused[j] += lift
    order = np.argsort(-fused, kind="stable")[:limit]
    return [
        Hit(snapshot.chunks[rows[j]], float(fused[j]), float(dense[j]), float(lexical[j]))
        for j in order
    ]


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score, best first."""
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks


def confidence(hits: list[Hit], ranking: Ranking) -> float:
    """How strong the best evidence is, on the scale of the method's fixed threshold."""
    if not hits:
        return 0.0
    if ranking.method == "lexical":
        return max(h.lexical for h in hits)
    return max(h.dense for h in hits[:5])


def is_answerable(hits: list[Hit], ranking: Ranking) -> bool:
    """The fixed-threshold decision (the baseline the calibrated one is measured against)."""
    threshold = ranking.min_lexical if ranking.method == "lexical" else ranking.min_similarity
    return bool(hits) and confidence(hits, ranking) >= threshold


def compose(
    question: str,
    hits: list[Hit],
    snapshot: Snapshot,
    ranking: Ranking,
    top_k: int,
    decision: Decision | None = None,
) -> Answer:
    """Pick up to `top_k` distinct passages, or abstain with the closest covered topics.

    `decision` is the calibrated answer/abstain decision; without it, the fixed threshold.
    """
    answered = decision.answered if decision is not None else is_answerable(hits, ranking)
    confidence = decision.confidence if decision is not None else float(answered)
    if not answered:
        covered = covered_subjects(snapshot)
        return Answer(question, False, (), suggestions(hits), covered, confidence)
    chosen: list[Hit] = []
    kept: list[Vectors] = []
    floor = ranking.min_similarity
    for hit in hits:
        if len(chosen) == top_k:
            break
        if chosen and ranking.method != "lexical" and hit.dense < floor:
            continue  # weak evidence is not shown next to strong evidence
        vector = snapshot.vector(hit.chunk.key)
        if any(h.chunk.key == hit.chunk.key for h in chosen):
            continue
        if vector is not None and any(
            float(vector @ v) >= ranking.duplicate_similarity for v in kept
        ):
            continue
        chosen.append(hit)
        if vector is not None:
            kept.append(vector)
    return Answer(question, True, tuple(h.passage for h in chosen), (), (), confidence)


def suggestions(hits: list[Hit], limit: int = 3) -> tuple[str, ...]:
    """Distinct titles of the closest passages: what the knowledge base does cover nearby."""
    out: list[str] = []
    for hit in sorted(hits, key=lambda h: -h.dense):
        if hit.chunk.citation.title not in out:
            out.append(hit.chunk.citation.title)
        if len(out) == limit:
            break
    return tuple(out)


def covered_subjects(snapshot: Snapshot, limit: int = 12) -> tuple[str, ...]:
    """What the knowledge base is about, most passages first: the roadmap a passage belongs to,
    or else the first part of its title trail (a docs tree's top-level category)."""
    # A pass over every passage: once per snapshot, not per abstention (88 ms at x40).
    return snapshot.derived(f"covered:{limit}", lambda: _covered_subjects(snapshot, limit))


def _covered_subjects(snapshot: Snapshot, limit: int) -> tuple[str, ...]:
    roadmaps = snapshot.catalog.roadmaps
    counts: dict[str, int] = {}
    for chunk in snapshot.chunks:
        roadmap = roadmaps.get(chunk.path_id) if chunk.path_id else None
        subject = roadmap.title if roadmap else chunk.citation.title.split(" › ", 1)[0].strip()
        if subject:
            counts[subject] = counts.get(subject, 0) + 1
    return tuple(sorted(counts, key=lambda t: (-counts[t], t)))[:limit]
