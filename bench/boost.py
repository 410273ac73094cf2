"""Module boost benchmark: does ranking the learner's current module higher ever hurt?

    .venv/bin/python bench/boost.py [--runs 3] [--show 20]

Issue 8 ("Questions that know the learner") asks that the boost never lowers hit@5 or MRR
when a question is about a different module than the learner's current one. Over
bench/eval/knowledge.yaml and the production index of knowledge/ (built once in
data/bench/boost/, git-ignored, then reused) it prints, side by side from one run, file-level
hit@1, hit@5, MRR@10 and abstention accuracy at the shipped threshold for:

- no boost;
- the learner on the SAME module as the question (its relevant files' `module`);
- the learner on each DIFFERENT module (every module of every roadmap but the question's own;
  questions about no module count against all of them): mean and worst over modules, with the
  questions whose rank got worse (before -> after);

then whether any boost flips an off-topic question from "not covered" to an answer, and the
median query latency with and without a boost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.retrieval import Question, file_ranking, load_eval  # noqa: E402
from index.answer import Ranking, confidence, rank  # noqa: E402
from index.search import KnowledgeBase  # noqa: E402
from index.snapshot import Snapshot  # noqa: E402

EVAL = ROOT / "bench" / "eval" / "knowledge.yaml"
DATA = ROOT / "data" / "bench" / "boost"
MODELS = ROOT / "data" / "bench" / "models"  # the ONNX export other benches already made

ModuleKey = tuple[str, str]  # (path id, module id), as `KnowledgeBase.ask(boost_module=...)`


@dataclass(frozen=True)
class Outcome:
    """One question ranked one way: position of its first relevant file, and abstention."""

    position: int | None  # 0-based among the first 10 files; None when not there
    answered: bool
    top: tuple[object, ...]  # keys of the first 3 passages: did the boost change what is shown?


@dataclass(frozen=True)
class Scores:
    """File-level hit@1, hit@5, MRR@10 and abstention accuracy over `n` questions."""

    hit1: float
    hit5: float
    mrr10: float
    abstention: float
    n: int

    def row(self, label: str) -> str:
        return (
            f"{label:<44} {self.hit1:6.3f} {self.hit5:6.3f} {self.mrr10:7.3f} "
            f"{self.abstention:8.3f} {self.n:5d}"
        )


def scores(outcomes: Sequence[Outcome], questions: Sequence[Question]) -> Scores:
    """File-level quality over the answerable questions, abstention over all of them."""
    on = [o for o, q in zip(outcomes, questions, strict=True) if q.relevant]
    n = max(1, len(on))
    right = sum(o.answered == bool(q.relevant) for o, q in zip(outcomes, questions, strict=True))
    return Scores(
        sum(o.position == 0 for o in on) / n,
        sum(o.position is not None and o.position < 5 for o in on) / n,
        sum(1 / (o.position + 1) for o in on if o.position is not None) / n,
        right / max(1, len(questions)),
        len(questions),
    )


@dataclass
class Pairs:
    """(question, learner module) pairs ranked with and without the boost, and what moved."""

    questions: list[Question] = field(default_factory=list)
    before: list[Outcome] = field(default_factory=list)
    after: list[Outcome] = field(default_factory=list)
    worse: list[str] = field(default_factory=list)
    better: list[str] = field(default_factory=list)
    flipped: list[str] = field(default_factory=list)  # abstention changed either way
    off_topic_answered: int = 0  # "not covered" turned into an answer: the one that matters
    shown_changed: int = 0

    def add(self, q: Question, module: ModuleKey, before: Outcome, after: Outcome) -> None:
        self.questions.append(q)
        self.before.append(before)
        self.after.append(after)
        self.shown_changed += before.top != after.top
        where = f"learner on {module[0]}/{module[1]}: {q.text!r}"
        if q.relevant and before.position != after.position:
            line = f"rank {rank_label(before.position)} -> {rank_label(after.position)} {where}"
            down = after.position is None or (
                before.position is not None and after.position > before.position
            )
            (self.worse if down else self.better).append(line)
        if before.answered != after.answered:
            self.flipped.append(f"{'answered' if after.answered else 'refused'} {where}")
            self.off_topic_answered += after.answered and not q.relevant


def outcome(
    snapshot: Snapshot,
    vector: np.ndarray,
    question: Question,
    ranking: Ranking,
    boost: ModuleKey | None,
) -> Outcome:
    """Rank like `bench/retrieval.py` does (50 hits, file level), with an optional boost."""
    hits = rank(snapshot, vector, question.text, ranking, limit=50, boost_module=boost)
    files = file_ranking(hits)[:10]
    first = next((i for i, f in enumerate(files) if f in question.relevant), None)
    shown = tuple(h.chunk.key for h in hits[:3])
    return Outcome(first, confidence(hits, ranking) >= ranking.min_similarity, shown)


def question_modules(snapshot: Snapshot, question: Question) -> frozenset[ModuleKey]:
    """The modules a question is about: the `module` of its relevant files.

    A file whose passages all belong to one module (an article's front matter) names it; a
    roadmap or resource list spans every module of its path and so names none of them.
    """
    per_file: dict[str, set[ModuleKey | None]] = defaultdict(set)
    for c in snapshot.chunks:
        if c.citation.source in question.relevant:
            key = (c.path_id, c.module_id) if c.path_id and c.module_id else None
            per_file[c.citation.source].add(key)
    return frozenset(k for keys in per_file.values() if len(keys) == 1 for k in keys if k)


def all_modules(snapshot: Snapshot) -> list[ModuleKey]:
    return [(r.id, m.id) for r in snapshot.catalog.roadmaps.values() for m in r.modules]


def rank_label(position: int | None) -> str:
    return "-" if position is None else str(position + 1)


async def open_kb(ranking: Ranking | None = None) -> KnowledgeBase:
    """The production settings (bot.app.index_config), with the index under data/bench/boost."""
    from bot.app import index_config
    from bot.config import Settings

    settings = Settings(data_dir=DATA, knowledge=[ROOT / "knowledge"], model_cache_dir=MODELS)
    return await KnowledgeBase.open(index_config(settings), ranking=ranking)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="latency rounds over the questions")
    parser.add_argument("--show", type=int, default=20, help="worsened questions to list")
    parser.add_argument("--margin", type=float, help="try another Ranking.module_margin")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _, questions = load_eval(EVAL)
    ranking = Ranking() if args.margin is None else Ranking(module_margin=args.margin)
    kb = asyncio.run(open_kb(ranking))
    snap, ranking = kb.snapshot, kb.ranking
    vectors = np.stack([kb.embedder.encode([q.text])[0] for q in questions])
    modules = all_modules(snap)
    about = [question_modules(snap, q) for q in questions]
    print(
        f"{len(questions)} questions ({sum(bool(q.relevant) for q in questions)} answerable, "
        f"{sum(bool(a) for a in about)} about a module), {len(modules)} modules, "
        f"{len(snap.chunks)} chunks; module margin {ranking.module_margin:.1%}, threshold "
        f"{ranking.min_similarity}"
    )

    base = [outcome(snap, v, q, ranking, None) for q, v in zip(questions, vectors, strict=True)]

    # (b) Same module: each question about a module, learner on that module.
    same = Pairs()
    for q, v, mods, b in zip(questions, vectors, about, base, strict=True):
        for m in sorted(mods):
            same.add(q, m, b, outcome(snap, v, q, ranking, m))

    # (c) Different modules: per learner module, every question not about it.
    different = Pairs()
    per_module: dict[ModuleKey, tuple[Scores, Scores]] = {}
    for m in modules:
        one = Pairs()
        for q, v, mods, b in zip(questions, vectors, about, base, strict=True):
            if m not in mods:
                o = outcome(snap, v, q, ranking, m)
                one.add(q, m, b, o)
                different.add(q, m, b, o)
        per_module[m] = (scores(one.before, one.questions), scores(one.after, one.questions))

    header = f"{'ranking':<44} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7} {'abstain':>8} {'n':>5}"
    print("\n" + header)
    print(scores(base, questions).row("(a) no boost, all questions"))
    print(scores(same.before, same.questions).row("    no boost, questions about a module"))
    print(scores(same.after, same.questions).row("(b) learner on the SAME module"))
    metrics = ("hit1", "hit5", "mrr10", "abstention")
    widths = (6, 6, 7, 8)
    deltas = {k: [getattr(a, k) - getattr(b, k) for b, a in per_module.values()] for k in metrics}
    mean = [statistics.mean(getattr(a, k) for _, a in per_module.values()) for k in metrics]
    label = f"(c) DIFFERENT module, mean over {len(modules)}"
    print(f"{label:<44} " + " ".join(f"{x:{w}.3f}" for x, w in zip(mean, widths, strict=True)))
    for name, pick in (("mean", statistics.mean), ("WORST module", min)):
        cells = [f"{pick(deltas[k]):+{w}.3f}" for k, w in zip(metrics, widths, strict=True)]
        print(f"{'    change vs no boost, ' + name:<44} " + " ".join(cells))
    for k in metrics:
        i = int(np.argmin(deltas[k]))
        if deltas[k][i] < 0:
            print(f"      worst {k}: learner on {'/'.join(modules[i])} ({deltas[k][i]:+.3f})")

    for name, pairs in (("same-module", same), ("different-module", different)):
        print(
            f"\n{name} (question, learner module) pairs: {len(pairs.before)}; first 3 passages "
            f"changed in {pairs.shown_changed}; rank of the relevant file better in "
            f"{len(pairs.better)}, worse in {len(pairs.worse)}"
        )
        for line in (pairs.worse + pairs.better)[: args.show]:
            print(f"  {line}")
    print(
        f"off-topic (question, module) pairs flipped to an answer by a boost: "
        f"{different.off_topic_answered} of {sum(not q.relevant for q in different.questions)}"
    )
    print(f"any abstention flipped by a boost: {len(different.flipped) + len(same.flipped)}")
    for line in (different.flipped + same.flipped)[: args.show]:
        print(f"  {line}")

    # Latency through the public API, alternating so other load hits both alike.
    async def latency() -> tuple[list[float], list[float], list[float], list[float]]:
        plain, boosted = [], []
        for r in range(args.runs):
            for i, q in enumerate(questions):
                m = modules[(i + r) % len(modules)]
                t = time.perf_counter()
                await kb.ask(q.text, takeaway=False)
                plain.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                await kb.ask(q.text, boost_module=m, takeaway=False)
                boosted.append((time.perf_counter() - t) * 1000)
        rank_plain, rank_boost = [], []
        for r in range(args.runs):
            for i, (q, v) in enumerate(zip(questions, vectors, strict=True)):
                m = modules[(i + r) % len(modules)]
                t = time.perf_counter()
                rank(snap, v, q.text, ranking, limit=12)
                rank_plain.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                rank(snap, v, q.text, ranking, limit=12, boost_module=m)
                rank_boost.append((time.perf_counter() - t) * 1000)
        return plain, boosted, rank_plain, rank_boost

    plain, boosted, rank_plain, rank_boost = asyncio.run(latency())
    print(
        f"\nquery p50 (kb.ask, {len(plain)} each): no boost {statistics.median(plain):.2f} ms, "
        f"boost {statistics.median(boosted):.2f} ms"
    )
    print(
        f"rank() alone p50: no boost {statistics.median(rank_plain):.3f} ms, "
        f"boost {statistics.median(rank_boost):.3f} ms"
    )
    asyncio.run(kb.close())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
