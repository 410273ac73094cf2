"""Ranking ideas against the shipped fusion, chosen leave-one-corpus-out (issue 12, round 6).

    .venv/bin/python bench/ranking_variants.py [--family title-field] [--report-only]

Every question of the fitted eval sets (bench/eval/<corpus>.yaml, and the round-4 roadmap-sh set
fresh2-roadmap-sh.yaml, whose misses were read, so it is "seen") is ranked, as `ask` ranks it
(typos corrected against the corpus first), by the shipped `Ranking` and by each setting of each
family of changes below. Printed: hit@5 / MRR@10 (file level) per fitted set and setting, and per
family its leave-one-corpus-out choice: for each corpus, the family's setting with the best mean
MRR@10 over the OTHER corpora's fitted sets, scored on this corpus (the held-out figure). With
--report-only, the report-only sets (fresh-, fresh3- for every corpus; fresh2- but roadmap-sh)
are scored in aggregate for each family's choice over all fitted sets; read them after the
choice, never to make it.

Families (each a rescoring of the same candidates; none needs a model pass per question beyond
the one `ask` makes, except "title vector", which needs one per passage at build time and is
measured here by running the model over the passages again):
- fusion: alpha x lexical scale x word-pair weight; depth: candidates per ranker;
- bm25: k1 x b, and the title's words repeated in the lexical text (BM25F-like title weight);
- title field: a BM25 over the topic title (last part of the trail) and section only, added;
- title vector: the passage's own token states pooled over its title line (free in the model
  pass that embeds it, if onnx_embedder returned it), mixed into the cosine;
- dense prf: Rocchio on vectors (the question plus the mean of its m nearest passages);
- lexical prf: RM3-like, the top fused passages' weightiest words as a second BM25 query;
- hubness: the cosine minus lambda x the passage's mean cosine to its k nearest passages;
- centering: cosine after removing the corpus mean and its first principal components;
- coverage: BM25 share blended with the IDF share of question words a passage contains;
- duplicates: near-identical passages (vector cosine >= s) moved after distinct ones;
- file score: a file's best passage plus g x its second best.

The indexes live in bench/out/ranking (git-ignored); the corpora are read in place.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index.phrases as phrases  # noqa: E402
from bench.abstention import CORPORA  # noqa: E402
from bench.retrieval import Question, load_eval, model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import Ranking, _share  # noqa: E402
from index.lexical import LexicalIndex, tokenize  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402
from index.snapshot import Snapshot  # noqa: E402

SEEN = {"fresh2-roadmap-sh"}  # a report-only set whose misses were read: fitted from round 6
OUT = ROOT / "bench" / "out" / "ranking"
BM25 = (phrases.K1, phrases.B, 1)  # k1, b, title repeats of the shipped lexical index


@dataclass(frozen=True)
class Setting:
    """One variant: a Ranking (fusion) and the extra rescoring knobs (0 / None = off)."""

    label: str
    ranking: dict[str, Any] = field(default_factory=dict)
    depth: int = 50
    bm25: tuple[float, float, int] = BM25
    title_field: float = 0.0
    title_vector: float = 0.0
    dense_prf: tuple[int, float] = (0, 0.0)
    lexical_prf: tuple[int, float] = (0, 0.0)
    hubness: tuple[int, float] = (0, 0.0)
    centering: int | None = None
    coverage: float = 0.0
    duplicates: float = 0.0
    file_score: float = 0.0


def _fusion(a: float, scale: str, w: float) -> dict[str, Any]:
    return {"alpha": a, "lexical_scale": scale, "pair_weight": w}


FAMILIES: dict[str, list[Setting]] = {
    "fusion": [
        Setting(f"alpha {a} {s} pairs {w}", _fusion(a, s, w))
        for a in (0.5, 0.6, 0.7, 0.8)
        for s in ("question", "best")
        for w in (0.0, 0.05, 0.1)
    ],
    "depth": [Setting(f"depth {d}", depth=d) for d in (20, 30, 100)],
    "bm25": [
        Setting(f"k1 {k} b {b} title x{r}", bm25=(k, b, r))
        for k in (0.9, 1.2, 1.5, 2.0)
        for b in (0.3, 0.5, 0.75)
        for r in (1, 2)
    ],
    "title field": [Setting(f"title bm25 {w}", title_field=w) for w in (0.05, 0.1, 0.2)],
    "title vector": [
        Setting(f"title vector {g} alpha {a}", {"alpha": a}, title_vector=g)
        for g in (0.1, 0.2, 0.3, 0.4)
        for a in (0.6, 0.7)
    ],
    "dense prf": [
        Setting(f"rocchio m {m} beta {b}", dense_prf=(m, b))
        for m in (1, 3, 5, 10)
        for b in (0.3, 0.6)
    ],
    "lexical prf": [
        Setting(f"rm3 docs {d} weight {w}", lexical_prf=(d, w))
        for d in (1, 3, 5)
        for w in (0.03, 0.06, 0.1)
    ],
    "hubness": [
        Setting(f"hub k {k} lambda {lam}", hubness=(k, lam))
        for k in (5, 10, 30)
        for lam in (0.1, 0.2, 0.3)
    ],
    "centering": [Setting(f"center, {k} components out", centering=k) for k in (0, 1, 3, 5)],
    "coverage": [
        Setting(f"coverage {m} alpha {a}", {"alpha": a}, coverage=m)
        for m in (0.3, 0.5, 1.0)
        for a in (0.6, 0.7, 0.8)
    ],
    "duplicates": [Setting(f"duplicates last {s}", duplicates=s) for s in (0.9, 0.95)],
    "file score": [Setting(f"file second {g}", file_score=g) for g in (0.05, 0.1, 0.2, 0.3)],
}
BASE = Setting("shipped")


class Corpus:
    """One corpus's snapshot and what the families need of it, built once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.snap: Snapshot = kb.snapshot
        self.ranking = kb.ranking
        self._cache: dict[Any, Any] = {}

    def derived(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def lexical(self, bm25: tuple[float, float, int]) -> LexicalIndex:
        if bm25 == BM25:
            return self.snap.lexical

        def make() -> LexicalIndex:
            k1, b, repeats = bm25
            saved = phrases.K1, phrases.B
            phrases.K1, phrases.B = k1, b  # the word field's scores are computed at build
            try:
                texts = [
                    c.lexical_text + f" {_title(c.citation.title)}" * (repeats - 1)
                    for c in self.snap.chunks
                ]
                return LexicalIndex(tokenize(texts))
            finally:
                phrases.K1, phrases.B = saved

        return self.derived(("bm25", bm25), make)

    def titles(self) -> LexicalIndex:
        texts = [f"{_title(c.citation.title)} {c.citation.section}" for c in self.snap.chunks]
        return self.derived("titles", lambda: LexicalIndex(tokenize(texts)))

    def title_vectors(self) -> np.ndarray:
        return self.derived("title vectors", self._title_vectors)

    def _title_vectors(self) -> np.ndarray:
        # The model's token states of the passage, pooled over its first line (the trail).
        emb: Any = self.kb.embedder
        out = np.zeros_like(self.snap.vectors)
        for i, c in enumerate(self.snap.chunks):
            ids = emb.token_ids([c.embed_text])[0].astype(np.int64)[None, :]
            feed = {"input_ids": ids}
            if "attention_mask" in emb._inputs:
                feed["attention_mask"] = np.ones_like(ids)
            if "token_type_ids" in emb._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = emb._session.run(None, feed)[0][0]
            end = max(emb.count_tokens([c.embed_text.split("\n", 1)[0]])[0] - 1, 2)
            v = hidden[1:end].mean(axis=0)
            out[i] = v / np.linalg.norm(v)
        return out

    def hubs(self, k: int) -> np.ndarray:
        def make() -> np.ndarray:
            sims = self.snap.vectors @ self.snap.vectors.T
            np.fill_diagonal(sims, -1.0)
            return np.sort(sims, axis=1)[:, -k:].mean(axis=1)

        return self.derived(("hubs", k), make)

    def centering(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        def make() -> tuple[np.ndarray, np.ndarray]:
            v = self.snap.vectors.astype(np.float64)
            mean = v.mean(axis=0)
            _, _, vt = np.linalg.svd(v - mean, full_matrices=False)
            return mean.astype(np.float32), vt[:k].astype(np.float32)

        return self.derived(("center", k), make)


def _title(title: str) -> str:
    return title.split(" › ")[-1]


def _idf(lex: LexicalIndex, term: str) -> float:
    n, df = len(lex), lex._df[term]
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    found = np.flatnonzero(scores > 0)
    if len(found) > depth:
        found = found[np.argpartition(-scores[found], depth - 1)[:depth]]
    return found


def ranked_files(c: Corpus, s: Setting, query: np.ndarray, text: str) -> list[str]:
    """The files in the order `s` ranks them (rank() of index/answer.py plus the knobs)."""
    snap, vectors = c.snap, c.snap.vectors
    ranking: Ranking = replace(c.ranking, **s.ranking)
    depth = min(len(snap.chunks), s.depth)
    m, beta = s.dense_prf
    if m and beta:
        near = np.argpartition(-(vectors @ query), m)[:m]
        query = query + beta * vectors[near].mean(axis=0)
        query = query / np.linalg.norm(query)
    _, ids = snap.dense.search(query.reshape(1, -1), depth)
    lex = c.lexical(s.bm25)
    match = lex.match(text)
    found = [ids[0][ids[0] >= 0], _top(match.words, depth)]
    titles = c.titles().match(text) if s.title_field else None
    if titles is not None:
        found.append(_top(titles.words, depth))
    rows = np.unique(np.concatenate(found)).astype(np.int64)
    dense = vectors[rows] @ query
    if s.centering is not None:
        mean, comps = c.centering(s.centering)
        pv, pq = vectors[rows] - mean, query - mean
        pv, pq = pv - (pv @ comps.T) @ comps, pq - (pq @ comps.T) @ comps
        dense = (pv / np.linalg.norm(pv, axis=1, keepdims=True)) @ (pq / np.linalg.norm(pq))
    if s.title_vector:
        g = s.title_vector
        dense = (1 - g) * dense + g * (c.title_vectors()[rows] @ query)
    k, lam = s.hubness
    if k and lam:
        dense = dense - lam * c.hubs(k)[rows]
    share = _share(match.words[rows], match, ranking)
    if s.coverage and match.most > 0:
        terms = list(dict.fromkeys(lex.terms(text)))
        vocab = c.derived(("vocab", s.bm25), lambda: {w: i for i, w in enumerate(lex._vocab)})
        idf = np.array([_idf(lex, t) for t in terms])
        has = (lex._counts[rows][:, [vocab[t] for t in terms]] > 0).toarray()
        share = (1 - s.coverage) * share + s.coverage * (has @ idf / idf.sum())
    fused = ranking.alpha * dense + (1 - ranking.alpha) * share
    if ranking.pair_weight:
        fused = fused + ranking.pair_weight * _share(match.pairs[rows], None, ranking)
    if titles is not None:
        fused = fused + s.title_field * _share(titles.words[rows], titles, ranking)
    docs, weight = s.lexical_prf
    if docs and weight:
        fused = fused + weight * _expansion(lex, text, rows[np.argsort(-fused)[:docs]])[rows]
    order = list(np.argsort(-fused, kind="stable"))
    if s.file_score:
        best: dict[str, list[float]] = {}
        for j in order:
            best.setdefault(snap.chunks[rows[j]].citation.source, []).append(float(fused[j]))
        score = {f: v[0] + s.file_score * (v[1] if len(v) > 1 else 0.0) for f, v in best.items()}
        order.sort(key=lambda j: -score[snap.chunks[rows[j]].citation.source])
    if s.duplicates:
        kept: list[int] = []
        later: list[int] = []
        for j in order[:50]:
            v = vectors[rows[j]]
            same = any(float(v @ vectors[rows[i]]) >= s.duplicates for i in kept)
            (later if same else kept).append(j)
        order = kept + later
    return file_ranking_of(c, rows, order[:50])


def file_ranking_of(c: Corpus, rows: np.ndarray, order: Sequence[int]) -> list[str]:
    seen: dict[str, None] = {}
    for j in order:
        seen.setdefault(c.snap.chunks[rows[j]].citation.source, None)
    return list(seen)


def _expansion(lex: LexicalIndex, text: str, top: np.ndarray) -> np.ndarray:
    """BM25 of the top passages' weightiest words the question lacks, on a 0-1 scale."""
    asked = set(lex.terms(text))
    weight: dict[str, float] = {}
    for row in top:
        counts = lex._counts.getrow(int(row))
        total = float(counts.data.sum())
        for j, n in zip(counts.indices, counts.data, strict=True):
            word = lex._vocab[j]
            if word not in asked:
                weight[word] = weight.get(word, 0.0) + n / total * _idf(lex, word)
    words = sorted(weight, key=lambda w: -weight[w])[:10]
    out = np.zeros(len(lex), np.float64)
    for w in words:
        out += weight[w] * np.asarray(lex._retriever.get_scores([w]), np.float64)
    return out / out.max() if out.max() > 0 else out


Sets = dict[str, tuple[list[Question], list[str], np.ndarray]]


def load(name: str) -> tuple[Corpus, Sets]:
    """A corpus's index and every eval set over it, typos corrected, questions embedded."""
    config = IndexConfig((CORPORA[name].resolve(),), OUT / name, model_path(), "embedded", "onnx")
    kb = asyncio.run(KnowledgeBase.open(config))
    cal = calibration.for_snapshot(kb.snapshot, kb.embedder, kb.ranking, config.home)
    sets: Sets = {}
    for path in sorted((ROOT / "bench" / "eval").glob(f"*{name}.yaml")):
        corpus, questions = load_eval(path)
        if corpus != name:
            continue
        texts = [cal.check(q.text).text for q in questions]
        sets[path.stem] = (questions, texts, kb.embedder.encode(texts))
    return Corpus(kb), sets


def scores(c: Corpus, sets: Sets, s: Setting) -> dict[str, tuple[float, float]]:
    """hit@5 and MRR@10 (file level, on-topic questions) per eval set."""
    out = {}
    for stem, (questions, texts, queries) in sets.items():
        ranks = []
        for q, text, query in zip(questions, texts, queries, strict=True):
            if q.relevant:
                files = ranked_files(c, s, query, text)[:10]
                ranks.append(next((i for i, f in enumerate(files) if f in q.relevant), None))
        hit5 = sum(k is not None and k < 5 for k in ranks) / len(ranks)
        mrr = sum(1 / (k + 1) for k in ranks if k is not None) / len(ranks)
        out[stem] = (hit5, mrr)
    return out


def fitted(stem: str) -> bool:
    # paraphrase-*: the round-11 probe (bench/paraphrase_ranking.py), report only.
    return not stem.startswith(("fresh", "paraphrase-")) or stem in SEEN


def corpus_of(stem: str) -> str:
    return next(name for name in CORPORA if stem.endswith(name))


class Labelled(Protocol):
    """A variant of a sweep: anything with a label."""

    @property
    def label(self) -> str: ...


def print_sweep(
    table: dict[str, dict[str, tuple[float, float]]],
    base: str,
    settings: Sequence[Labelled],
    families: Mapping[str, Sequence[Labelled]],
    stems: list[str],
    widths: tuple[int, int, int, int],
) -> None:
    """Every setting's hit@5/MRR@10 per fitted set, then each family's setting chosen on the
    other corpora and scored on the held-out one (leave-one-corpus-out)."""
    label, family_w, held_w, pick_w = widths
    print(f"\n{'setting':<{label}}" + "".join(f"{k[:17]:>18}" for k in stems) + "  mean MRR")
    for s in settings:
        row = table[s.label]
        cells = "".join(f"     {row[k][0]:.3f}/{row[k][1]:.3f}" for k in stems)
        print(f"{s.label:<{label}}{cells}  {statistics.mean(row[k][1] for k in stems):.4f}")
    print("\nleave-one-corpus-out: each family's best setting on the other corpora, held out")
    for family, group in families.items():
        for held in stems:
            others = [k for k in stems if corpus_of(k) != corpus_of(held)]
            pick = max(group, key=lambda s: statistics.mean(table[s.label][k][1] for k in others))
            a, b = table[pick.label][held], table[base][held]
            print(
                f"  {family:<{family_w}} {held:<{held_w}} {pick.label:<{pick_w}} "
                f"{a[0]:.3f}/{a[1]:.3f} (shipped {b[0]:.3f}/{b[1]:.3f})"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES))
    parser.add_argument("--report-only", action="store_true", help="score the report-only sets")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    families = {f: FAMILIES[f] for f in args.family or FAMILIES}
    settings = [BASE, *(s for group in families.values() for s in group)]
    table: dict[str, dict[str, tuple[float, float]]] = {}  # setting -> set -> figures
    for name in CORPORA:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        corpus, sets = load(name)
        if not args.report_only:
            sets = {k: v for k, v in sets.items() if fitted(k)}
        for s in settings:
            table.setdefault(s.label, {}).update(scores(corpus, sets, s))
        print(f"  {name}: {len(corpus.snap.chunks)} passages scored", flush=True)
    stems = [k for k in table[BASE.label] if fitted(k)]
    print_sweep(table, BASE.label, settings, families, stems, (34, 13, 19, 30))
    if args.report_only:
        print("\nreport-only sets, each family's choice over ALL fitted sets (hit@5/MRR@10):")
        report = [k for k in table[BASE.label] if not fitted(k)]
        print(f"{'setting':<34}" + "".join(f"{k[:21]:>22}" for k in report))
        for group in [[BASE], *families.values()]:
            pick = max(group, key=lambda s: statistics.mean(table[s.label][k][1] for k in stems))
            row = table[pick.label]
            cells = "".join(f"         {row[k][0]:.3f}/{row[k][1]:.3f}" for k in report)
            print(f"{pick.label:<34}{cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
