"""Issue 12 round 12: a named feature of a tool the corpus never mentions (index/tool_features.py),
measured held out both ways, as a rule and as a fitted 0/1 feature, beside the decision without it.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/tool_features.py | python3 /tmp/hide_fresh.py

Scores the fitted sets and the READ rounds of bench/abstention.py (never the blind report-only
sets), leave-one-corpus-out: each corpus with weights fitted on the other corpora's fitted sets.
Prints, per corpus and per question kind, the abstention accuracy of
- "without": the shipped decision, the named-feature evidence ignored;
- "(a) rule": the same weights, and a question naming an absent feature is not covered;
- "(b) weight": the evidence as one more 0/1 column of the logistic fit;
then how often the evidence fires on on-topic and on off-topic questions, and the probe: near-miss
questions generated from the list itself (seeded), a feature of a tool the corpus covers that it
never mentions, asked in the templates below; refused without and with the rule.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA, OUT, read_sets, score_corpus  # noqa: E402
from bench.abstention_fit import Row, features  # noqa: E402
from bench.retrieval import model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import rank  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402
from index.tool_features import NamedFeatures  # noqa: E402

Answers = Callable[[Row, tuple[float, ...]], bool]
SEED = 12
PER_CORPUS = 40
# Written before measuring: how a learner asks about a part of a tool.
TEMPLATES = (
    "how do I set up {} in {}",
    "what is {} in {}",
    "{} {} explained",
    "can you explain how {} works in {}",
    "best practices for {} with {}",
)


def feature_column(row: Row) -> float:
    return 1.0 if row.measures.feature else 0.0


def fit(rows: Sequence[Row], extra: bool) -> tuple[float, ...]:
    from sklearn.linear_model import LogisticRegression

    x = np.array([(*features(r), *((feature_column(r),) if extra else ())) for r in rows])
    y = np.array([r.on_topic for r in rows])
    model = LogisticRegression(C=10.0, max_iter=2000).fit(x, y)
    return (float(model.intercept_[0]), *(float(w) for w in model.coef_[0]))


def linear(row: Row, weights: Sequence[float], extra: bool) -> bool:
    bias, *ws = weights
    xs = (*features(row), *((feature_column(row),) if extra else ()))
    return bias + sum(w * f for w, f in zip(ws, xs, strict=True)) >= 0.0


def without(row: Row, weights: tuple[float, ...]) -> bool:
    return not row.measures.absent and linear(row, weights, False)


def rule(row: Row, weights: tuple[float, ...]) -> bool:
    return without(row, weights) and not row.measures.feature


def weight(row: Row, weights: tuple[float, ...]) -> bool:
    return not row.measures.absent and linear(row, weights, True)


def line(rows: Sequence[Row], said: Sequence[bool]) -> str:
    right = sum(a == r.on_topic for r, a in zip(rows, said, strict=True))
    refused = sum(r.on_topic and not a for r, a in zip(rows, said, strict=True))
    let_in = sum(not r.on_topic and a for r, a in zip(rows, said, strict=True))
    n_on = sum(r.on_topic for r in rows)
    return (
        f"{right:>4}/{len(rows):<4} {right / len(rows):.3f} "
        f"(on refused {refused:>3}/{n_on:<4} off answered {let_in:>3}/{len(rows) - n_on:<4})"
    )


def print_by_kind(rows: Sequence[Row], said: dict[str, list[bool]], corpora: Sequence[str]) -> None:
    """One line per corpus and question kind, each way's decisions side by side."""
    print("\nheld out (leave-one-corpus-out), fitted and READ sets:")
    for c in [*corpora, "all"]:
        idx = [i for i, r in enumerate(rows) if c in ("all", r.corpus)]
        kinds = sorted({rows[i].kind for i in idx}) if c != "all" else []
        for kind in [*kinds, "all"]:
            sub = [i for i in idx if kind == "all" or rows[i].kind == kind]
            label = f"{c if kind == 'all' else '':<15} {kind:<11} {len(sub):>4}"
            print(
                label
                + " | "
                + " | ".join(
                    f"{way} {line([rows[i] for i in sub], [said[way][i] for i in sub])}"
                    for way in said
                )
            )


def compare(rows: list[Row]) -> None:
    corpora = list(dict.fromkeys(r.corpus for r in rows))
    ways: dict[str, tuple[Answers, bool]] = {
        "without": (without, False),
        "(a) rule": (rule, False),
        "(b) weight": (weight, True),
    }
    said: dict[str, list[bool]] = {}
    for way, (answers, extra) in ways.items():
        held = {c: fit([r for r in rows if r.corpus != c and not r.source], extra) for c in corpora}
        said[way] = [answers(r, held[r.corpus]) for r in rows]
        if extra:
            print(
                f"{way}: the feature's held-out weights "
                + ", ".join(f"{c} {held[c][-1]:+.2f}" for c in corpora)
            )
    print_by_kind(rows, said, corpora)
    print("\nthe evidence fires on (questions naming a feature the corpus never mentions):")
    for c in corpora:
        mine = [r for r in rows if r.corpus == c]
        on = [r for r in mine if r.on_topic and r.measures.feature]
        off = [r for r in mine if not r.on_topic and r.measures.feature]
        n_on = sum(r.on_topic for r in mine)
        print(
            f"  {c:<15} on-topic {len(on)}/{n_on}, off-topic {len(off)}/{len(mine) - n_on}; "
            f"off-topic newly refused by the rule {sum(1 for r in off if not r.measures.absent)}"
        )
        for r in on:
            print(f"    on-topic: {r.text!r} names {r.measures.feature!r}")


def probe(name: str) -> tuple[int, int, int]:
    """(questions, refused without the rule, refused with it) of the generated near-misses."""
    config = IndexConfig(
        (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
    )
    kb = asyncio.run(KnowledgeBase.open(config))
    snap, ranking, embedder = kb.snapshot, kb.ranking, kb.embedder
    cal = calibration.for_snapshot(snap, embedder, ranking, config.home)
    named = NamedFeatures(snap.lexical)
    # The list's groups are tools ("# kubernetes"): a group whose first word the corpus uses.
    groups: dict[str, list[str]] = {}
    tool = ""
    text = (ROOT / "index" / "tool_features.txt").read_text(encoding="utf-8")
    for raw in text.splitlines()[8:]:
        if raw.startswith("# "):
            tool = raw[2:].split()[0].strip(",")
        elif raw.strip() and cal.speller.knows(tool) and named.named([raw.strip()]):
            groups.setdefault(tool, []).append(raw.strip())
    rng = random.Random(f"{SEED}:{name}")
    pairs = [(t, f) for t, fs in sorted(groups.items()) for f in fs]
    drawn = rng.sample(pairs, min(PER_CORPUS, len(pairs)))
    questions = [rng.choice(TEMPLATES).format(f, t) for t, f in drawn]
    before = after = 0
    for q in questions:
        checked = cal.check(q)
        query = query_vector(embedder, checked)
        hits = rank(snap, query, checked.text, ranking, limit=50)
        m = cal.measure(checked, hits, query)
        answered = bool(hits) and not m.absent and calibration.decide(m.features()) >= 0.5
        before += not answered
        after += not answered or bool(m.feature)
    return len(questions), before, after


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows: list[Row] = []
    for name in CORPORA:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        sets = read_sets(name)
        found, (_, p50) = score_corpus(name, sets)
        rows += [r for more in found.values() for r in more]
        print(f"  query p50 of ask on {name}: {p50:.2f} ms")
    compare(rows)
    print(f"\nprobe: {PER_CORPUS} generated near-misses a corpus (seed {SEED}), refused:")
    for name in CORPORA:
        if CORPORA[name].exists():
            t = time.perf_counter()
            n, before, after = probe(name)
            print(
                f"  {name:<15} without the rule {before}/{n}, with it {after}/{n} "
                f"({time.perf_counter() - t:.0f} s)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
