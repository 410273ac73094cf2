"""Ranking for paraphrases: extra vectors and a length-aware fusion, held out (issue 12, round 11).

    .venv/bin/python bench/paraphrase_ranking.py [--family sentences] [--every]

A learner who describes a concept without naming it ("making sure a lock is released when a block
finishes") shares few words with the card, so BM25 has little to say and the right card is often
6th-30th by cosine. The families measured here (none of bench/ranking_variants.py's round-6
twelve) change what the dense side sees:
- sentences: each passage's sentences embedded as extra vectors (with or without the heading
  in front); the passage's cosine becomes the max of its own and its best sentence's, or a blend;
  the passages nearest by sentence join the candidates;
- heading: the heading (the trail's last part) embedded alone as another vector, blended in;
- length: the fusion's alpha raised for long, descriptive questions (>= n BM25 words) or for
  questions whose words the corpus mostly does not know (share of the question's word weight
  the best passage matches below m), the shipped alpha otherwise;
- depth: more candidates from the dense ranker (with the sentence vectors' candidates too);
added after the first run (post hoc, said so in bench/abstention_rounds.md):
- prose sentences: the sentence family with only the pieces that end as a sentence does
  (learning-paths' passages are lists: every line had been a "sentence", 17 a passage);
- clean: the passage embedded without its resource-link lines (roadmap-sh cards embed their
  links' titles), instead of or blended with the shipped vector.
bench/paraphrase_learned.py combines them all as one linear ranker, chosen the same way.

Every question of the eval sets is ranked as `ask` ranks it (typos corrected first: the indexes and
question vectors come from bench/ranking_variants.py's `load`), plus these knobs. Printed: hit@5 /
MRR@10 (file level) per fitted set, each family's leave-one-corpus-out choice (best mean MRR@10 on
the OTHER corpora's fitted sets, scored on the held-out corpus), and, for each family's choice over
all fitted sets: the READ sets (fresh- .. fresh8-, scored and read in earlier rounds, never tuned
on here) overall and their paraphrase kind alone, and the paraphrase probe
bench/eval/paraphrase-roadmap-sh.yaml (written before anything was measured; never tuned on). With
--every, the report-only figures of every setting (to report, never to choose). The build cost of
the extra vectors (count, seconds to embed) is printed per corpus when first embedded; they are
cached in bench/out/ranking, keyed by their texts.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA  # noqa: E402
from bench.ranking_variants import (  # noqa: E402
    OUT,
    Corpus,
    Sets,
    _top,
    corpus_of,
    file_ranking_of,
    load,
    print_sweep,
)
from index.answer import Ranking, _share  # noqa: E402

PROBE = "paraphrase-"
SEEN = {"fresh2-roadmap-sh"}  # its misses were read in round 5: fitted since round 6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MIN_WORDS = 4  # shorter: a label or a list item, not a statement


@dataclass(frozen=True)
class Setting:
    """One variant (0 / "" = off)."""

    label: str
    sentences: str = ""  # "" | "alone" | "headed": the sentence vectors' text
    sentence_mode: str = "max"  # "max": max(passage, best sentence); "blend": g-weighted
    sentence_weight: float = 0.0
    heading: float = 0.0
    long_terms: int = 0  # questions with >= this many BM25 words get alpha_long
    unknown_share: float = 0.0  # questions whose best word share is below this get alpha_long
    alpha_long: float = 0.7
    depth: int = 50
    clean: float = 0.0  # weight of the passage embedded without its link lines (1: instead)


FAMILIES: dict[str, list[Setting]] = {
    "sentences": [
        Setting(f"sentences {t} max", sentences=t, sentence_weight=1.0)
        for t in ("alone", "headed", "prose", "prose-headed")
    ]
    + [
        Setting(f"sentences {t} blend {g}", sentences=t, sentence_mode="blend", sentence_weight=g)
        for t in ("alone", "headed", "prose", "prose-headed")
        for g in (0.1, 0.2, 0.35, 0.5)
    ],
    # Added after the first run: learning-paths' passages are lists, whose every line was a
    # "sentence" (17 a passage): the prose sentences only, the same weights (a post-hoc family).
    "prose sentences": [
        Setting(f"sentences {t} blend {g}", sentences=t, sentence_mode="blend", sentence_weight=g)
        for t in ("prose", "prose-headed")
        for g in (0.1, 0.2, 0.35, 0.5)
    ],
    "heading": [Setting(f"heading {g}", heading=g) for g in (0.1, 0.2, 0.3)],
    "length": [
        Setting(f"alpha {a} at >= {n} words", long_terms=n, alpha_long=a)
        for n in (5, 7, 9)
        for a in (0.8, 0.9)
    ]
    + [
        Setting(f"alpha {a} below share {m}", unknown_share=m, alpha_long=a)
        for m in (0.3, 0.5)
        for a in (0.8, 0.9)
    ],
    # Added after the first run: roadmap-sh cards embed their resource links' titles
    # ("@video@JSON Tutorial for Beginners"); the card embedded without them, instead or blended.
    "clean": [Setting(f"clean vector {g}", clean=g) for g in (0.5, 1.0)],
    "depth": [Setting(f"depth {d}", depth=d) for d in (100, 200)],
}
BASE = Setting("shipped")


def sentences_of(embed_text: str, prose: bool = False) -> list[str]:
    """A passage's sentences of at least `_MIN_WORDS` words, heading trail and links left out;
    with `prose`, only those ending as a sentence does (not list items, labels, headings)."""
    _, _, body = embed_text.partition("\n")
    return [
        s.strip()
        for s in _SENTENCE_END.split(body)
        if len(s.split()) >= _MIN_WORDS
        and "@" not in s
        and "://" not in s
        and not s.rstrip().endswith(":")  # "Visit the following resources to learn more:"
        and (not prose or s.rstrip().endswith((".", "!", "?")))
    ]


def clean_text(embed_text: str) -> str:
    """The embedded text without link lines and the "learn more:" line that leads them."""
    lines = embed_text.split("\n")
    kept = [
        line
        for line in lines[1:]
        if "@" not in line and "://" not in line and not line.rstrip().endswith("more:")
    ]
    return "\n".join([lines[0], *kept])


def heading_of(title: str) -> str:
    return title.split(" › ")[-1]


class Extra:
    """A corpus's extra vectors, embedded once and cached under bench/out/ranking."""

    def __init__(self, c: Corpus, name: str) -> None:
        self.c = c
        self.name = name
        self.cost: dict[str, tuple[int, float]] = {}

    def _embed(self, what: str, texts: list[str]) -> np.ndarray:
        digest = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:12]
        path = OUT / f"{self.name}-{what}-{digest}.npy"
        if path.exists():
            out: np.ndarray = np.load(path)
            return out
        start = time.perf_counter()
        out = np.asarray(self.c.kb.embedder.encode(texts), np.float32)
        self.cost[what] = (len(texts), time.perf_counter() - start)
        np.save(path, out)
        return out

    def sentences(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, owner row of each) for the sentence vectors of `kind`."""

        def make() -> tuple[np.ndarray, np.ndarray]:
            texts: list[str] = []
            owner: list[int] = []
            for i, ch in enumerate(self.c.snap.chunks):
                for s in sentences_of(ch.embed_text, kind.startswith("prose")):
                    head = heading_of(ch.citation.title)
                    texts.append(f"{head}: {s}" if kind.endswith("headed") else s)
                    owner.append(i)
            return self._embed(f"sentences-{kind}", texts), np.asarray(owner, np.int64)

        return self.c.derived(("sentences", kind), make)  # type: ignore[no-any-return]

    def clean(self) -> np.ndarray:
        texts = [clean_text(ch.embed_text) for ch in self.c.snap.chunks]
        return self.c.derived("clean", lambda: self._embed("clean", texts))  # type: ignore[no-any-return]

    def headings(self) -> np.ndarray:
        texts = [heading_of(ch.citation.title) for ch in self.c.snap.chunks]
        return self.c.derived("headings", lambda: self._embed("headings", texts))  # type: ignore[no-any-return]


def best_sentence(extra: Extra, kind: str, query: np.ndarray) -> np.ndarray:
    """Each passage's best sentence cosine (-1 for a passage without sentences)."""
    vectors, owner = extra.sentences(kind)
    out = np.full(len(extra.c.snap.chunks), -1.0, np.float32)
    np.maximum.at(out, owner, vectors @ query)
    return out


def ranked_files(extra: Extra, s: Setting, query: np.ndarray, text: str) -> list[str]:
    """The files in the order `s` ranks them (index/answer.py rank() plus the knobs)."""
    c = extra.c
    snap, vectors = c.snap, c.snap.vectors
    depth = min(len(snap.chunks), s.depth)
    _, ids = snap.dense.search(query.reshape(1, -1), depth)
    match = snap.lexical.match(text)
    found = [ids[0][ids[0] >= 0], _top(match.words, depth)]
    sentence = best_sentence(extra, s.sentences, query) if s.sentences else None
    if sentence is not None:
        found.append(np.argpartition(-sentence, depth - 1)[:depth])
    rows = np.unique(np.concatenate(found)).astype(np.int64)
    dense = (vectors[rows] @ query).astype(np.float64)
    if sentence is not None:
        best = sentence[rows].astype(np.float64)
        if s.sentence_mode == "max":
            dense = np.maximum(dense, best)
        else:
            g = s.sentence_weight
            dense = (1 - g) * dense + g * np.maximum(dense, best)
    if s.clean:
        dense = (1 - s.clean) * dense + s.clean * (extra.clean()[rows] @ query)
    if s.heading:
        dense = (1 - s.heading) * dense + s.heading * (extra.headings()[rows] @ query)
    ranking: Ranking = c.ranking
    alpha = ranking.alpha
    share = _share(match.words[rows], match, ranking)
    if s.long_terms and len(snap.lexical.terms(text)) >= s.long_terms:
        alpha = s.alpha_long
    if s.unknown_share and (share.max() if len(share) else 0.0) < s.unknown_share:
        alpha = s.alpha_long
    fused = alpha * dense + (1 - alpha) * share
    if ranking.pair_weight:
        fused = fused + ranking.pair_weight * _share(match.pairs[rows], None, ranking)
    order = list(np.argsort(-fused, kind="stable"))
    return file_ranking_of(c, rows, order[:50])


def cosine_file_rank(c: Corpus, query: np.ndarray, relevant: Sequence[str]) -> int:
    """1-based rank of the first relevant file when files are ordered by their best cosine."""
    seen: set[str] = set()
    for row in np.argsort(-(c.snap.vectors @ query), kind="stable"):
        source = c.snap.chunks[row].citation.source
        if source in relevant:
            return len(seen) + 1
        seen.add(source)
    return len(seen) + 1


def recall_count(extra: Extra, sets: Sets) -> tuple[int, int]:
    """Of the report-only paraphrase questions the shipped ranking does not put first: how many,
    and how many have their right file within the first 50 files by cosine (recall vs order)."""
    missed = within = 0
    for stem, (questions, texts, queries) in sets.items():
        if fitted(stem):
            continue
        for q, text, query in zip(questions, texts, queries, strict=True):
            if q.kind == "paraphrase" and q.relevant:
                files = ranked_files(extra, BASE, query, text)
                if not files or files[0] not in q.relevant:
                    missed += 1
                    within += cosine_file_rank(extra.c, query, q.relevant) <= 50
    return missed, within


Figures = dict[str, tuple[float, float, int]]  # set -> (hit@5, MRR@10, questions)


def scores(extra: Extra, sets: Sets, s: Setting, kind: str | None = None) -> Figures:
    """hit@5 and MRR@10 (file level, on-topic questions, of one kind if given) per eval set."""
    out: Figures = {}
    for stem, (questions, texts, queries) in sets.items():
        ranks = []
        for q, text, query in zip(questions, texts, queries, strict=True):
            if q.relevant and (kind is None or q.kind == kind):
                files = ranked_files(extra, s, query, text)[:10]
                ranks.append(next((i for i, f in enumerate(files) if f in q.relevant), None))
        if ranks:
            hit5 = sum(k is not None and k < 5 for k in ranks) / len(ranks)
            mrr = sum(1 / (k + 1) for k in ranks if k is not None) / len(ranks)
            out[stem] = (hit5, mrr, len(ranks))
    return out


def fitted(stem: str) -> bool:
    return not stem.startswith(("fresh", PROBE)) or stem in SEEN


def pooled_of(figures: Figures, stems: list[str]) -> tuple[float, float, int]:
    """hit@5 / MRR@10 over the questions of several sets together."""
    n = sum(figures[k][2] for k in stems if k in figures)
    if not n:
        return (0.0, 0.0, 0)
    hit = sum(figures[k][0] * figures[k][2] for k in stems if k in figures) / n
    mrr = sum(figures[k][1] * figures[k][2] for k in stems if k in figures) / n
    return (hit, mrr, n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES))
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    parser.add_argument(
        "--every", action="store_true", help="report-only figures of every setting, not the choice"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    families = {f: FAMILIES[f] for f in args.family or FAMILIES}
    # One entry a label: "prose sentences" repeats settings of "sentences".
    every = [BASE, *(s for group in families.values() for s in group)]
    settings = list({s.label: s for s in every}.values())
    table: dict[str, Figures] = {}  # setting -> set -> figures (every on-topic question)
    para: dict[str, Figures] = {}  # setting -> set -> figures (paraphrase questions)
    recall = [0, 0]  # report-only paraphrase questions not first; of them, right file in 50
    for name in args.corpus or CORPORA:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        corpus, sets = load(name)
        extra = Extra(corpus, name)
        for s in settings:
            table.setdefault(s.label, {}).update(scores(extra, sets, s))
            para.setdefault(s.label, {}).update(scores(extra, sets, s, "paraphrase"))
        missed, within = recall_count(extra, sets)
        recall[0] += missed
        recall[1] += within
        cost = ", ".join(f"{k} {n} vectors in {t:.1f} s" for k, (n, t) in extra.cost.items())
        print(f"  {name}: {len(corpus.snap.chunks)} passages; {cost or 'extra vectors cached'}")
    stems = [k for k in table[BASE.label] if fitted(k)]
    read = [k for k in table[BASE.label] if not fitted(k) and not k.startswith(PROBE)]
    probe = [k for k in table[BASE.label] if k.startswith(PROBE)]
    print_sweep(table, BASE.label, settings, families, stems, (30, 10, 18, 28))
    print(
        "\nreport only, each family's choice over ALL fitted sets (hit@5/MRR@10, questions):"
        "\n  READ sets by corpus | READ paraphrase kind, all corpora | probe"
    )
    names = sorted({corpus_of(k) for k in read})
    print(
        f"{'setting':<30}"
        + "".join(f"{n[:14]:>21}" for n in names)
        + f"{'paraphrase':>21}{'probe':>21}"
    )
    groups = [[s] for s in settings] if args.every else [[BASE], *families.values()]
    for group in groups:
        pick = max(group, key=lambda s: statistics.mean(table[s.label][k][1] for k in stems))
        pooled_row = [
            pooled_of(table[pick.label], [k for k in read if corpus_of(k) == c]) for c in names
        ]
        pooled_row.append(pooled_of(para[pick.label], read))
        pooled_row.append(pooled_of(table[pick.label], probe))
        print(
            f"{pick.label:<30}"
            + "".join(f"  {h:.3f}/{m:.3f} ({q:>3})   " for h, m, q in pooled_row)
        )
    print(
        f"\nreport-only paraphrase questions the shipped ranking does not put first: {recall[0]}; "
        f"right file within the first 50 files by cosine: {recall[1]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
