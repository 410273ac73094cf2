"""A linear ranker over the candidates' features, chosen leave-one-corpus-out (issue 12, round 11).

    .venv/bin/python bench/paraphrase_learned.py

bench/paraphrase_ranking.py measures each extra signal alone; this measures them together. Every
candidate of a question (dense top 50, BM25 top 50, best-sentence top 50) gets six features: its
cosine, what its best prose sentence adds over it (max(0, sentence - cosine)), the cosine of its
heading alone, what its link-free text changes (clean - cosine), the BM25 share and the word-pair
share (index/answer.py `_share`). A passage scores `features @ w` with w[0] = 1; the shipped fusion
is w = (1, 0, 0, 0, 0.3/0.7, 0.05/0.7). A grid of 720 weightings is scored (MRR@10, file level) on
the fitted sets; for each corpus, the weighting best on the OTHER corpora's fitted sets is reported
on it (held out), and the one best on all fitted sets on the READ sets (fresh- .. fresh8-), their
paraphrase kind and the probe (bench/eval/paraphrase-roadmap-sh.yaml), report only.
"""

from __future__ import annotations

import itertools
import logging
import os
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA  # noqa: E402
from bench.paraphrase_ranking import PROBE, Extra, best_sentence, corpus_of, fitted  # noqa: E402
from bench.ranking_variants import _top, load  # noqa: E402
from index.answer import _share  # noqa: E402

# (features, file id of each row, row is of a relevant file, kind) per on-topic question
Question = tuple[np.ndarray, np.ndarray, np.ndarray, str]
SHIPPED = np.array([1, 0, 0, 0, 0.3 / 0.7, 0.05 / 0.7])
GRID = (
    (0, 0.1, 0.2, 0.35, 0.5),  # best sentence's gain
    (0, 0.05, 0.1, 0.2),  # heading cosine
    (0, 0.25, 0.5, 1.0),  # link-free text's change
    (0.3, 0.43, 0.6),  # BM25 share
    (0, 0.07, 0.15),  # word-pair share
)


def features(name: str) -> dict[str, list[Question]]:
    """Every eval set of corpus `name`: each on-topic question's candidates and features."""
    c, sets = load(name)
    extra = Extra(c, name)
    heads, clean = extra.headings(), extra.clean()
    n = len(c.snap.chunks)
    out: dict[str, list[Question]] = {}
    for stem, (questions, texts, queries) in sets.items():
        rows_of: list[Question] = []
        for q, text, query in zip(questions, texts, queries, strict=True):
            if not q.relevant:
                continue
            _, ids = c.snap.dense.search(query.reshape(1, -1), min(50, n))
            match = c.snap.lexical.match(text)
            sentence = best_sentence(extra, "prose", query)
            near = np.argpartition(-sentence, min(49, n - 1))[:50]
            rows = np.unique(np.concatenate([ids[0][ids[0] >= 0], _top(match.words, 50), near]))
            cos = c.snap.vectors[rows] @ query
            f = np.stack(
                [
                    cos,
                    np.maximum(0, sentence[rows] - cos),
                    heads[rows] @ query,
                    clean[rows] @ query - cos,
                    _share(match.words[rows], match, c.ranking),
                    _share(match.pairs[rows], None, c.ranking),
                ],
                axis=1,
            ).astype(np.float64)
            sources = [c.snap.chunks[r].citation.source for r in rows]
            ids_of = {s: i for i, s in enumerate(dict.fromkeys(sources))}
            relevant = np.array([s in q.relevant for s in sources])
            rows_of.append((f, np.array([ids_of[s] for s in sources]), relevant, q.kind))
        out[stem] = rows_of
    return out


def mrr(questions: list[Question], w: np.ndarray, kind: str | None = None) -> tuple[float, int]:
    """MRR@10 (file level) of the questions (of one kind if given) under weights `w`."""
    total: list[float] = []
    for f, files, relevant, k in questions:
        if kind is not None and k != kind:
            continue
        seen: set[int] = set()
        rank = None
        for j in np.argsort(-(f @ w), kind="stable"):
            if relevant[j]:
                rank = len(seen)
                break
            seen.add(int(files[j]))
            if len(seen) >= 10:
                break
        total.append(0.0 if rank is None or rank >= 10 else 1 / (rank + 1))
    return (sum(total) / len(total) if total else 0.0, len(total))


def pooled(
    data: dict[str, list[Question]], stems: list[str], w: np.ndarray, kind: str | None
) -> str:
    figures = [mrr(data[k], w, kind) for k in stems]
    n = sum(m for _, m in figures)
    return f"{sum(v * m for v, m in figures) / n:.3f} ({n})" if n else "-"


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    data: dict[str, list[Question]] = {}
    for name in CORPORA:
        if CORPORA[name].exists():
            data.update(features(name))
    fit = [k for k in data if fitted(k)]
    grid = [np.array([1.0, *w]) for w in itertools.product(*GRID)]
    table = [{k: mrr(data[k], w)[0] for k in fit} for w in grid]
    shipped = {k: mrr(data[k], SHIPPED)[0] for k in fit}
    print("held out (leave-one-corpus-out): weights (sentence, heading, clean, bm25, pairs)")
    for held in fit:
        others = [k for k in fit if corpus_of(k) != corpus_of(held)]
        i = max(range(len(grid)), key=lambda i: statistics.mean(table[i][k] for k in others))
        print(f"  {held:<18} {grid[i][1:]} {table[i][held]:.3f} (shipped {shipped[held]:.3f})")
    best = grid[max(range(len(grid)), key=lambda i: statistics.mean(table[i].values()))]
    print(f"choice over all fitted sets {best[1:]}; report only, MRR@10 (questions):")
    read = [k for k in data if not fitted(k) and not k.startswith(PROBE)]
    groups = {n: [k for k in read if corpus_of(k) == n] for n in CORPORA}
    groups["paraphrase kind"] = read
    groups["probe"] = [k for k in data if k.startswith(PROBE)]
    for label, stems in groups.items():
        kind = "paraphrase" if label == "paraphrase kind" else None
        print(
            f"  {label:<16} {pooled(data, stems, best, kind)} "
            f"(shipped {pooled(data, stems, SHIPPED, kind)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
