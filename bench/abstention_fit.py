"""The decisions bench/abstention.py compares: features, the logistic fit, and the tables.

Split from bench/abstention.py (which scores the questions and prints); see its docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index import calibration

# Whether the weights are fitted on the read sets too, or on the fitted sets only (the read sets
# are then scored only): chosen by `compare_fits`, see the docstring's round 8.
FIT_READ = False


@dataclass(frozen=True)
class Row:
    """One eval question, scored before and after."""

    corpus: str
    kind: str
    on_topic: bool
    rank_before: int | None  # 0-based rank of the first relevant file in the top 10
    rank_after: int | None
    answered_before: bool
    measures: calibration.Measures  # what index/calibration.py decides from
    text: str
    corrected: str
    source: str = ""  # the set's prefix: "" for bench/eval/<corpus>.yaml, else a READ round
    leftover_headings: float = 0.0  # the leftover before round 8: headings as the reference


# The decisions compared: what index/calibration.py decides from now, and the earlier steps.
CURRENT = "twins+leftover+coverage+off-topic words+asked-for aspect"
PREVIOUS = {
    "scale only": "the scale's zero at the off-topic questions, no near-miss twins",
    "twins": "the near-miss twins without the leftover (index/leftover.py)",
    "no veto": "twins and leftover without the named-technology rule (index/technologies.txt)",
    "no coverage": "twins, leftover and the rule, without the best passage's word coverage",
    "no off-topic words": "all of it but the share of words the off-topic questions use",
    "headings' leftover": "the leftover's on-topic reference the headings only, no sentences",
    "no aspect": "all of it but whether the passage gives what is asked for (index/aspects.py)",
}


def features(row: Row, decision: str = CURRENT) -> tuple[float, ...]:
    """The features of one of the decisions compared (see PREVIOUS)."""
    m = row.measures
    if decision == "headings' leftover":
        against_twins, unknown, _, *rest = m.features()
        return against_twins, unknown, row.leftover_headings, *rest
    if decision == "scale only":
        return m.scaled, m.unknown_share
    if decision == "twins":
        return m.features()[:2]
    if decision in ("no veto", "no coverage"):
        return m.features()[:3]
    if decision == "no off-topic words":
        return m.features()[:4]
    if decision == "no aspect":
        return m.features()[:5]
    return m.features()


def fit(rows: Sequence[Row], decision: str = CURRENT) -> tuple[float, ...]:
    """Logistic regression: (bias, the weight of each feature in order)."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([features(r, decision) for r in rows])
    y = np.array([r.on_topic for r in rows])
    model = LogisticRegression(C=10.0, max_iter=2000).fit(x, y)
    return (float(model.intercept_[0]), *(float(w) for w in model.coef_[0]))


def answers(row: Row, weights: Sequence[float], decision: str = CURRENT) -> bool:
    if decision not in ("scale only", "twins", "no veto") and row.measures.absent:
        return False  # names a technology the corpus never mentions (index/calibration.py)
    bias, *ws = weights
    z = bias + sum(w * f for w, f in zip(ws, features(row, decision), strict=True))
    return z >= 0.0  # confidence >= 0.5


def figures(rows: Sequence[Row], answered: Sequence[bool], after: bool) -> str:
    on = [r for r in rows if r.on_topic]
    ranks = [r.rank_after if after else r.rank_before for r in on]
    hit5 = sum(k is not None and k < 5 for k in ranks) / len(on) if on else float("nan")
    mrr = sum(1 / (k + 1) for k in ranks if k is not None) / len(on) if on else float("nan")
    right = sum(a == r.on_topic for r, a in zip(rows, answered, strict=True))
    refused = sum(r.on_topic and not a for r, a in zip(rows, answered, strict=True))
    let_in = sum(not r.on_topic and a for r, a in zip(rows, answered, strict=True))
    n_off = len(rows) - len(on)
    return (
        f"{hit5:6.3f} {mrr:7.3f} {right / len(rows):8.3f} {refused:>4}/{len(on):<4}"
        f"{let_in:>4}/{n_off:<4}"
    )


def table(rows: Sequence[Row], held_out: dict[str, tuple[float, ...]]) -> None:
    after = [answers(r, held_out[r.corpus]) for r in rows]
    before = [r.answered_before for r in rows]
    head = f"{'hit@5':>6} {'MRR@10':>7} {'abstain':>8} {'on refused':>9} {'off answered':>9}"
    print(f"\n{'corpus':<15} {'kind':<11} {'n':>4} | BEFORE {head} | AFTER (held out) {head}")
    for corpus in dict.fromkeys(r.corpus for r in rows):
        mine = [i for i, r in enumerate(rows) if r.corpus == corpus]
        kinds = sorted({rows[i].kind for i in mine})
        for kind in [*kinds, "all"]:
            idx = [i for i in mine if kind == "all" or rows[i].kind == kind]
            sub = [rows[i] for i in idx]
            b = figures(sub, [before[i] for i in idx], after=False)
            a = figures(sub, [after[i] for i in idx], after=True)
            label = corpus if kind == "all" else ""
            print(f"{label:<15} {kind:<11} {len(sub):>4} | {b:>44} | {a:>44}")
    print("(hit@5 and MRR@10 count on-topic questions only; off-topic kinds show nan)")


def accuracy(rows: Sequence[Row], weights: dict[str, tuple[float, ...]]) -> str:
    """Abstention accuracy of `rows`, each scored with its corpus's weights, as "right/n"."""
    right = sum(answers(r, weights[r.corpus]) == r.on_topic for r in rows)
    return f"{right}/{len(rows)} = {right / len(rows):.3f}" if rows else "-"


def fitted(rows: Sequence[Row]) -> list[Row]:
    """The rows the weights are fitted on (see FIT_READ)."""
    return [r for r in rows if FIT_READ or not r.source]


def compare_fits(rows: Sequence[Row], scored: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """Held out, weights fitted on the other corpora's fitted sets only vs on their fitted and
    read sets, both scored on the held-out corpus's fitted and read questions; returns the
    held-out weights that FIT_READ chooses (what the table uses)."""
    fitted_only = {c: fit([r for r in rows if r.corpus != c and not r.source]) for c in scored}
    with_read = {c: fit([r for r in rows if r.corpus != c]) for c in scored}
    print("\nheld out, the other corpora's FITTED sets vs their fitted+READ sets (same questions):")
    for c in scored:
        sub = [r for r in rows if r.corpus == c]
        own = [r for r in sub if not r.source]
        read = [r for r in sub if r.source]
        print(
            f"  {c:<15} fitted only {accuracy(sub, fitted_only):<16} fitted+read "
            f"{accuracy(sub, with_read):<16} (its fitted set {accuracy(own, fitted_only)} "
            f"-> {accuracy(own, with_read)}, its read sets {accuracy(read, fitted_only)} -> "
            f"{accuracy(read, with_read)})"
        )
    print(
        f"  {'all':<15} fitted only {accuracy(rows, fitted_only):<16} fitted+read "
        f"{accuracy(rows, with_read)}"
    )
    return with_read if FIT_READ else fitted_only
