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
    from index.decision import Decision
    from index.lexical import Match


@dataclass(frozen=True)
class Ranking:
    """How results are ranked and when an answer abstains.

    hybrid = alpha * cosine + (1 - alpha) * BM25 / (sum of the question's word IDFs)
             + pair_weight * (word-pair BM25) / (best word-pair BM25 of the candidates):
    cosine keeps the meaning, the lexical part rewards the exact names and keywords a learner
    typed, as the share of the question a passage matches, and the pair part the words typed
    together ("left join", "text to speech").

    alpha, the lexical scale and pair_weight were chosen on the knowledge and learning-paths eval
    sets only; roadmap-sh is the corpus they are reported on (bench/retrieval.py prints the sweep
    and a leave-one-corpus-out choice): MRR@10 there 0.923 -> 0.942, and the other two sets
    0.961 -> 0.977 and 0.953 -> 0.967 (in-sample, so not results by themselves).

    Issue 12, round 6 (bench/ranking_variants.py, one run): twelve families of changes to this
    fusion, each family's setting chosen leave-one-corpus-out on the fitted sets (knowledge,
    learning-paths, roadmap-sh with the seen round-4 set, seeds): the fusion weights again,
    candidate depth, BM25 k1/b with the title's words counted twice (BM25F-like), a BM25 field
    over titles, a title vector pooled from the passage's own token states, pseudo-relevance
    feedback on vectors (Rocchio) and on words (RM3), a hubness correction, centred vectors with
    principal components removed, binary word coverage, near-duplicates moved down, a file's
    second passage. None lifted a held-out corpus without costing another, so nothing changed.
    Held out, hit@5/MRR@10 (shipped: knowledge 0.991/0.980, learning-paths 0.991/0.956,
    roadmap-sh 0.994/0.942, round-4 roadmap-sh 0.914/0.851, seeds 1.000/0.932): the fusion's
    choice (alpha 0.8, best-candidate scale) 0.977, 0.945, 0.938, 0.883, 0.957 MRR; k1 0.9 b 0.3
    learning-paths 0.952; the title field (0.1) knowledge 0.975 and roadmap-sh 0.938; the title
    vector roadmap-sh 0.925; RM3 and Rocchio roadmap-sh 0.933 and 0.930. The one change costing
    nothing (a passage at cosine >= 0.9 to a better one listed after the distinct ones) moved
    one roadmap-sh question (0.994/0.942 -> 1.000/0.944) and would break the descending scores
    of `search`: not kept. The round-4 misses are the model's: the right topic is 9th to 36th
    by cosine and shares no word with the question ("where did this table's data come from"
    for "Data Lineage"), which no rescoring of the candidates reaches.

    Round 11 (bench/paraphrase_ranking.py; bench/abstention_rounds.md "Round 11, paraphrase
    ranking"): questions that describe a concept without naming it. Extra vectors (each
    passage's sentences, max or blended with its cosine; the heading alone; the passage without
    its link lines), an alpha that rises for long or unknown-worded questions, and deeper dense
    candidates, each chosen leave-one-corpus-out, and all of them as one linear ranker
    (bench/paraphrase_learned.py): the sentence vectors lift the seen round-4 roadmap-sh set
    (MRR 0.851 -> 0.885) and the paraphrase probe, but cost knowledge or learning-paths held out
    and the read roadmap-sh sets (0.910 -> 0.902-0.908), so nothing changed here either.

    Round 12 (bench/query_adapter.py; "Round 12, a learned query adapter"): a map applied to
    the question's vector only, learned from our eval sets' (question, right passage) pairs
    (ridge towards the identity; a contrastive low-rank residual), trained on three corpora and
    scored on the fourth: on roadmap-sh it does not move the right file up by cosine (MRR@10
    by cosine alone 0.853 -> 0.853 on the read sets, the probe 0.701 -> 0.677) and the fused
    ranking trades as many questions up as down, so the query vector stays the model's own.
    """

    method: str = "hybrid"  # or "dense", "lexical", "rrf" (reciprocal rank fusion)
    alpha: float = 0.7
    # "question": BM25 / sum of the question's word IDFs; "best": BM25 / the best candidate's
    # BM25 (the previous scale: one common word matched made a passage a "full" lexical match).
    lexical_scale: str = "question"
    pair_weight: float = 0.05
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
    found: list[np.ndarray] = []
    if ranking.method != "lexical":
        _, ids = snapshot.dense.search(query.reshape(1, -1), depth)
        found.append(ids[0][ids[0] >= 0])
    match = snapshot.lexical.match(question) if ranking.method != "dense" else None
    lexical_all = match.words if match is not None else None
    if lexical_all is not None:
        # Most passages share no word with a question: partition only the scored ones.
        scored = np.flatnonzero(lexical_all > 0)
        if len(scored) > depth:
            scored = scored[np.argpartition(-lexical_all[scored], depth - 1)[:depth]]
        found.append(scored)
    # Sorted and distinct, as the fusion's stable tie order expects.
    rows = np.unique(np.concatenate(found)).astype(np.int64) if found else np.zeros(0, np.int64)
    if not len(rows):
        return []
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
        assert match is not None
        fused = ranking.alpha * dense + (1 - ranking.alpha) * _share(lexical, match, ranking)
        if ranking.pair_weight:
            fused = fused + ranking.pair_weight * _share(match.pairs[rows], None, ranking)
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


def _share(scores: np.ndarray, match: Match | None, ranking: Ranking) -> np.ndarray:
    """Lexical scores on a 0-1 scale: of the question's words (`match`) or of the best one."""
    scale = match.most if match is not None and ranking.lexical_scale == "question" else 0.0
    if scale <= 0:
        scale = float(scores.max()) if len(scores) else 0.0
    return scores / scale if scale > 0 else np.zeros(len(scores), np.float64)


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
