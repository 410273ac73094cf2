"""A learned query adapter: learner wording -> documentation wording, held out (issue 12, round 12).

    .venv/bin/python bench/query_adapter.py [--within | --seeds] [--corpus roadmap-sh]

A learner who describes a concept without naming it ("squash many columns into a few directions
that keep the spread" for PCA) lands the right file 6th-30th by cosine: the model finds it, but
not first (bench/abstention_rounds.md, round 11). The idea measured here: a small map applied to
the QUESTION's vector only, learned from (question, right passage) pairs of our own eval sets, so
that what it learns (how learners word things vs how docs word them) carries to a docs tree it
never saw. Two forms:
- ridge towards the identity, closed form, target P either the right file's passage nearest the
  question ("best") or the normalised mean of the right file's passages ("mean"):
      W = argmin ||Q W - P||^2 + lam ||W - I||^2 = (Q'Q + lam I)^-1 (Q'P + lam I)
      q' = normalize(q + beta (q W - q))
- a low-rank residual q' = normalize(q + U V'q) (rank 8 or 32), trained contrastively with torch:
  the right file's passages against every other passage of the question's own corpus (InfoNCE
  with several positives, temperature 0.05, full batch, Adam), a few steps (early stopping is
  the regulariser; 400 steps were worse everywhere in the first run); "hard 50": only the
  question's first 50 passages by raw cosine as negatives. Query time would be numpy.
Q: the training questions' vectors (typos corrected and encoded as `ask` does). Training
questions: every on-topic question of the fitted sets (bench/eval/<corpus>.yaml, the seen round-4
fresh2-roadmap-sh) and the READ sets (fresh- .. fresh8-). Never the probe
bench/eval/paraphrase-roadmap-sh.yaml (report only), never a blind set.

Held out strictly leave-one-corpus-out: the questions of corpus C are ranked with an adapter
trained on the OTHER corpora's questions and passages only; the form and its knobs are chosen
for C by the best mean MRR@10 over the other corpora's sets (each scored by its own held-out
adapter), so no figure of C is tuned on C. knowledge/ and learning-paths share topics (both
teach the same paths): an adapter trained on one has seen the other's subjects, a leak this
split does not close. The ranking is index/answer.py's hybrid fusion (checked equal to rank()
for the raw vector) with the adapted vector on the dense side (candidates and cosines), the
lexical side unchanged. --within is a diagnostic, not a result for a new docs tree: each
corpus's questions in two seeded halves, each half ranked by an adapter trained on the other
half of the same corpus (what a community's own labelled questions could buy).

Printed: hit@5 / MRR@10 (file level) of every setting per corpus (held out), then per corpus
the held-out choice on its fitted and READ sets, the paraphrase kind (fitted and READ) and the
probe, shipped vs adapter side by side in one run, how many questions moved up / down, and
the same by cosine alone (files by their best passage's cosine, raw vs adapted vector: what the
map itself does before fusion). Result (round 12, bench/abstention_rounds.md): not kept; nothing
in index/ reads an adapter. About 5 minutes on the loaded 2-core machine (the torch training).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA, OUT, READ  # noqa: E402
from bench.retrieval import Question, load_eval, model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import Ranking, _share  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.lexical import Match  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402
from index.snapshot import Snapshot  # noqa: E402

PROBE = "paraphrase-"
CACHE = ROOT / "bench" / "out" / "adapter"
LAMBDAS = (1.0, 3.0, 10.0, 30.0, 100.0)
BETAS = (0.5, 1.0)
TARGETS = ("best", "mean")
RANKS = (8, 32)
STEPS = (25, 50, 150)  # 400 was worse everywhere in the first run
TEMPERATURE = 0.05


@dataclass(frozen=True)
class Setting:
    """One adapter. "ridge": weight `lam`, blend `beta`, target passage vector; "lowrank": a
    residual q + U V'q of rank `rank`, trained contrastively for `steps` steps."""

    form: str
    lam: float = 0.0
    beta: float = 1.0
    target: str = "best"
    rank: int = 0
    steps: int = 0
    seed: int = 12
    hard: int = 0  # > 0: the negatives are the question's first `hard` passages by raw cosine

    @property
    def label(self) -> str:
        if self.form == "ridge":
            return f"ridge {self.target} lam {self.lam:g} beta {self.beta:g}"
        seed = f" seed {self.seed}" if self.seed != 12 else ""
        hard = f" hard {self.hard}" if self.hard else ""
        return f"lowrank r {self.rank} steps {self.steps}{hard}{seed}"


SETTINGS = [Setting("ridge", lam, b, t) for t in TARGETS for lam in LAMBDAS for b in BETAS] + [
    Setting("lowrank", rank=r, steps=n, hard=h) for h in (0, 50) for r in RANKS for n in STEPS
]


@dataclass(frozen=True)
class Adapter:
    """q -> normalize(q + beta (q W - q)), or normalize(q + (q V) U') for the low-rank form."""

    w: np.ndarray | None = None
    beta: float = 1.0
    u: np.ndarray | None = None
    v: np.ndarray | None = None

    def __call__(self, query: np.ndarray) -> np.ndarray:
        if self.w is not None:
            return _unit(query + self.beta * (query @ self.w - query))
        assert self.u is not None
        assert self.v is not None
        return _unit(query + (query @ self.v) @ self.u.T)


@dataclass
class Item:
    """One on-topic question of one eval set, as `ask` sees it."""

    stem: str
    question: Question
    text: str  # typos corrected
    query: np.ndarray  # its raw vector
    rows: np.ndarray  # the right files' passages (rows of the snapshot)
    match: Match
    best: np.ndarray  # target: the right file's passage nearest the question
    mean: np.ndarray  # target: the mean of the right file's passages


@dataclass
class Corpus:
    name: str
    snap: Snapshot
    ranking: Ranking
    items: list[Item]


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.asarray(v / np.where(norm > 0, norm, 1.0), np.float32)


def load(name: str) -> Corpus:
    """A corpus's index (cached by bench/abstention.py) and its on-topic eval questions."""
    config = IndexConfig(
        (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
    )
    kb = asyncio.run(KnowledgeBase.open(config))
    snap = kb.snapshot
    cal = calibration.for_snapshot(snap, kb.embedder, kb.ranking, config.home)
    rows_of: dict[str, list[int]] = {}
    for i, ch in enumerate(snap.chunks):
        rows_of.setdefault(ch.citation.source, []).append(i)
    items: list[Item] = []
    for path in sorted((ROOT / "bench" / "eval").glob(f"*{name}.yaml")):
        corpus, questions = load_eval(path)
        if corpus != name or path.stem.startswith("fresh9"):
            continue
        for q in questions:
            rows = [r for f in sorted(q.relevant) for r in rows_of.get(f, [])]
            if not rows:
                continue
            checked = cal.check(q.text)
            query = query_vector(kb.embedder, checked)
            passages = snap.vectors[rows]
            best = passages[int(np.argmax(passages @ query))]
            mean = _unit(passages.mean(axis=0))
            items.append(
                Item(
                    path.stem,
                    q,
                    checked.text,
                    query,
                    np.asarray(rows, np.int64),
                    snap.lexical.match(checked.text),
                    best,
                    mean,
                )
            )
    return Corpus(name, snap, kb.ranking, items)


def trainable(stem: str) -> bool:
    """Fitted and READ sets train; the probe never does."""
    return not stem.startswith(PROBE) and (not stem.startswith("fresh") or stem.startswith(READ))


def fit(items: Sequence[Item], lam: float, target: str) -> np.ndarray:
    """Ridge towards the identity: (Q'Q + lam I)^-1 (Q'P + lam I), in float64."""
    q = np.stack([i.query for i in items]).astype(np.float64)
    p = np.stack([getattr(i, target) for i in items]).astype(np.float64)
    eye = np.eye(q.shape[1])
    return np.linalg.solve(q.T @ q + lam * eye, q.T @ p + lam * eye).astype(np.float32)


def train_lowrank(train: Sequence[tuple[Corpus, list[Item]]], s: Setting) -> Adapter:
    """q + U V'q, trained so the right passages outscore every other passage of the question's
    own corpus, or with `s.hard` only its first passages by raw cosine (the candidates whose
    ORDER fails), InfoNCE with several positives, temperature TEMPERATURE, full batch, Adam."""
    import torch

    torch.manual_seed(s.seed)
    dim = train[0][1][0].query.shape[0]
    u = torch.zeros(dim, s.rank, requires_grad=True)
    v = torch.nn.Parameter(torch.randn(dim, s.rank) * 0.01)
    folds = []
    for c, items in train:
        q = torch.from_numpy(np.stack([i.query for i in items]).astype(np.float32))
        pos = torch.zeros(len(items), len(c.snap.chunks), dtype=torch.bool)
        for k, i in enumerate(items):
            pos[k, torch.from_numpy(i.rows)] = True
        p = torch.from_numpy(np.array(c.snap.vectors, np.float32))
        seen = torch.ones_like(pos)
        if s.hard and s.hard < len(c.snap.chunks):
            seen = torch.zeros_like(pos)
            seen.scatter_(1, (q @ p.T).topk(s.hard, dim=1).indices, True)
        folds.append((q, p, pos, seen | pos))
    opt = torch.optim.Adam([u, v], lr=2e-3)
    for _ in range(s.steps):
        opt.zero_grad()
        total = torch.zeros(())
        count = 0
        for q, p, pos, seen in folds:
            a = q + (q @ v) @ u.T
            a = a / a.norm(dim=1, keepdim=True)
            logits = (a @ p.T / TEMPERATURE).masked_fill(~seen, float("-inf"))
            good = logits.masked_fill(~pos, float("-inf")).logsumexp(dim=1)
            total = total + (logits.logsumexp(dim=1) - good).sum()
            count += len(q)
        (total / count).backward()
        opt.step()
    return Adapter(u=u.detach().numpy().copy(), v=v.detach().numpy().copy())


def make(train: Sequence[tuple[Corpus, list[Item]]], s: Setting) -> Adapter:
    """The adapter of setting `s` trained on `train` (corpus, its training questions)."""
    if s.form == "ridge":
        return Adapter(
            w=fit([i for _, items in train for i in items], s.lam, s.target), beta=s.beta
        )
    return train_lowrank(train, s)


def ranked_files(c: Corpus, item: Item, query: np.ndarray, dense_only: bool = False) -> list[str]:
    """index/answer.py rank()'s hybrid fusion, exact dense candidates, files in order; with
    `dense_only`, the files by their best cosine alone (what the adapter acts on)."""
    snap, ranking = c.snap, c.ranking
    depth = min(len(snap.chunks), ranking.depth)
    cos = snap.vectors @ query
    dense_rows = np.argpartition(-cos, depth - 1)[:depth]
    words = item.match.words
    scored = np.flatnonzero(words > 0)
    if len(scored) > depth:
        scored = scored[np.argpartition(-words[scored], depth - 1)[:depth]]
    rows = np.unique(np.concatenate([dense_rows, scored])).astype(np.int64)
    fused = ranking.alpha * cos[rows] + (1 - ranking.alpha) * _share(
        words[rows], item.match, ranking
    )
    if ranking.pair_weight:
        fused = fused + ranking.pair_weight * _share(item.match.pairs[rows], None, ranking)
    if dense_only:
        rows = np.argsort(-cos, kind="stable")[:50]
        fused = cos[rows]
    seen: dict[str, None] = {}
    for j in np.argsort(-fused, kind="stable")[:50]:
        seen.setdefault(snap.chunks[rows[j]].citation.source, None)
    return list(seen)


def rank_of(c: Corpus, item: Item, query: np.ndarray, dense_only: bool = False) -> int | None:
    files = ranked_files(c, item, query, dense_only)[:10]
    return next((k for k, f in enumerate(files) if f in item.question.relevant), None)


Ranks = dict[str, list[int | None]]  # stem -> 0-based rank of each item (None: not in 10)


def figures(ranks: Sequence[int | None]) -> tuple[float, float, int]:
    """hit@5, MRR@10, count."""
    if not ranks:
        return (0.0, 0.0, 0)
    hit = sum(k is not None and k < 5 for k in ranks) / len(ranks)
    mrr = sum(1 / (k + 1) for k in ranks if k is not None) / len(ranks)
    return (hit, mrr, len(ranks))


def moved(before: Sequence[int | None], after: Sequence[int | None]) -> str:
    """Questions ranked better / worse by the adapter (None counts as rank 10)."""
    pairs = [
        (10 if a is None else a, 10 if b is None else b) for a, b in zip(before, after, strict=True)
    ]
    return f"+{sum(b < a for a, b in pairs)}/-{sum(b > a for a, b in pairs)}"


def cell(ranks: Sequence[int | None]) -> str:
    h, m, n = figures(ranks)
    return f"{h:.3f}/{m:.3f} ({n:>3})" if n else "       -        "


def groups(c: Corpus, ranks: list[int | None]) -> dict[str, list[int | None]]:
    """The report's groups of a corpus's items: fitted, READ, paraphrase kind (not probe), probe."""
    out: dict[str, list[int | None]] = {"fitted": [], "READ": [], "paraphrase": [], "probe": []}
    for item, k in zip(c.items, ranks, strict=True):
        if item.stem.startswith(PROBE):
            out["probe"].append(k)
            continue
        out["READ" if item.stem.startswith(READ) else "fitted"].append(k)
        if item.question.kind == "paraphrase":
            out["paraphrase"].append(k)
    return out


def splits(
    c: Corpus, corpora: Sequence[Corpus], within: bool
) -> list[tuple[list[tuple[Corpus, list[Item]]], list[int]]]:
    """(training questions by corpus, indexes of c's items scored) per fold. Held out: one fold,
    trained on the OTHER corpora. --within (a diagnostic, not a held-out result for a new docs
    tree): c's questions in two seeded halves, each scored by an adapter trained on the other."""
    if not within:
        train = [(o, [i for i in o.items if trainable(i.stem)]) for o in corpora if o is not c]
        return [(train, list(range(len(c.items))))]
    order = list(range(len(c.items)))
    random.Random(12).shuffle(order)
    half = {j: k % 2 for k, j in enumerate(order)}
    return [
        (
            [(c, [i for j, i in enumerate(c.items) if half[j] != f and trainable(i.stem)])],
            [j for j in range(len(c.items)) if half[j] == f],
        )
        for f in (0, 1)
    ]


def seed_check(corpora: Sequence[Corpus]) -> None:
    """--seeds: the low-rank form at 25 steps with other initialisations, held out (MRR@10 of
    each corpus's fitted sets, READ sets and probe), to tell a trade from a seed's noise."""
    for c in corpora:
        base = groups(c, [rank_of(c, i, i.query) for i in c.items])
        print(
            f"{c.name:<16}{'shipped':<28}"
            + "".join(f"  {g} {figures(k)[1]:.3f}" for g, k in base.items() if k)
        )
    for r in RANKS:
        for seed in (1, 2, 3):
            s = Setting("lowrank", rank=r, steps=25, seed=seed)
            for c in corpora:
                others = [
                    (o, [i for i in o.items if trainable(i.stem)]) for o in corpora if o is not c
                ]
                adapter = make(others, s)
                after = groups(c, [rank_of(c, i, adapter(i.query)) for i in c.items])
                print(
                    f"{c.name:<16}{s.label:<28}"
                    + "".join(f"  {g} {figures(k)[1]:.3f}" for g, k in after.items() if k),
                    flush=True,
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    parser.add_argument(
        "--within", action="store_true", help="diagnostic: train and score within each corpus"
    )
    parser.add_argument(
        "--seeds", action="store_true", help="only the low-rank form's other initialisations"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    corpora = [load(n) for n in args.corpus or CORPORA if CORPORA[n].exists()]
    for c in corpora:
        train = [i for i in c.items if trainable(i.stem)]
        print(
            f"  {c.name}: {len(c.snap.chunks)} passages, {len(c.items)} on-topic questions "
            f"({len(train)} train the other corpora's adapters)",
            flush=True,
        )
    if args.seeds:
        seed_check(corpora)
        return 0
    # ranks[label][corpus] (in c.items order), each corpus ranked by its held-out adapter.
    base = {c.name: [rank_of(c, i, i.query) for i in c.items] for c in corpora}
    ranks: dict[str, dict[str, list[int | None]]] = {}
    adapters: dict[tuple[str, str], list[tuple[Adapter, list[int]]]] = {}  # per fold
    ridge: dict[tuple[str, int, float, str], np.ndarray] = {}  # one solve per fold, lam, target
    for c in corpora:
        ranks_of: dict[str, list[int | None]] = {}
        for fold, (train, scored) in enumerate(splits(c, corpora, args.within)):
            for s in SETTINGS:
                if s.form == "ridge":
                    key = (c.name, fold, s.lam, s.target)
                    if key not in ridge:
                        ridge[key] = fit([i for _, its in train for i in its], s.lam, s.target)
                    adapter = Adapter(w=ridge[key], beta=s.beta)
                else:
                    adapter = make(train, s)
                adapters.setdefault((s.label, c.name), []).append((adapter, scored))
                row = ranks_of.setdefault(s.label, [None] * len(c.items))
                for j in scored:
                    row[j] = rank_of(c, c.items[j], adapter(c.items[j].query))
        for label, row in ranks_of.items():
            ranks.setdefault(label, {})[c.name] = row
        print(f"  {c.name}: scored held out", flush=True)
    print(f"\n{'setting':<32}" + "".join(f"{c.name[:14]:>22}" for c in corpora) + "  mean MRR")
    mrr = {  # label -> corpus -> MRR@10 over the corpus's trainable sets
        label: {
            c.name: figures(
                [k for i, k in zip(c.items, r[c.name], strict=True) if trainable(i.stem)]
            )[1]
            for c in corpora
        }
        for label, r in [("shipped", base), *ranks.items()]
    }
    for label, r in [("shipped", base), *ranks.items()]:
        cells = "".join(
            f"  {cell([k for i, k in zip(c.items, r[c.name], strict=True) if trainable(i.stem)])}"
            for c in corpora
        )
        print(f"{label:<32}{cells}  {statistics.mean(mrr[label].values()):.4f}")
    print(
        "\nheld out: each corpus's setting chosen on the OTHER corpora (mean MRR@10), its "
        + (
            "adapters trained on the corpus's other half (--within)"
            if args.within
            else "adapter trained on the other corpora"
        )
    )
    print(
        f"{'corpus':<16}{'group':<12}{'shipped':>20}{'adapter':>20}{'moved':>9}"
        f"{'cosine alone: raw':>22}{'adapted':>20}  setting"
    )
    for c in corpora:
        pick = max(
            ranks,
            key=lambda lab: statistics.mean(v for n, v in mrr[lab].items() if n != c.name),
        )
        before, after = groups(c, base[c.name]), groups(c, ranks[pick][c.name])
        raw = groups(c, [rank_of(c, i, i.query, True) for i in c.items])
        cos_ranks: list[int | None] = [None] * len(c.items)
        for adapter, scored in adapters[(pick, c.name)]:  # each item by its own fold's adapter
            for j in scored:
                cos_ranks[j] = rank_of(c, c.items[j], adapter(c.items[j].query), True)
        cos = groups(c, cos_ranks)
        for g in before:
            if before[g]:
                print(
                    f"{c.name:<16}{g:<12}  {cell(before[g])}  {cell(after[g])}"
                    f"{moved(before[g], after[g]):>9}    {cell(raw[g])}  {cell(cos[g])}  {pick}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
