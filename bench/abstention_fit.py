"""The decisions bench/abstention.py compares: features, the logistic fit, and the tables;
with --variants, other forms of the same evidence fitted and scored the same way (round 10).

Split from bench/abstention.py (which scores the questions and prints); see its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from index import calibration
from index.documents import Hit

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
    signals: tuple[float, ...] = ()  # raw signals at decision time not fitted on (SIGNALS)


# Raw signals the ranking already gives at decision time but the fit does not see (round 10's
# variants): measured to know whether they add evidence, see `signals`.
SIGNALS = (
    "best raw cosine",
    "the first passage's cosine",
    "best file's cosine minus the next file's",
    "best cosine minus the second's",
    "the first passage's BM25 share of the best BM25",
    "log(1 + BM25) of the first passage",
    "any BM25 match at all",
    "the closest passage is ranked first",
)


def signals(hits: Sequence[Hit]) -> tuple[float, ...]:
    """The raw signals of SIGNALS for a question whose ranked passages are `hits`."""
    if not hits:
        return (0.0,) * len(SIGNALS)
    closest = max(hits[:5], key=lambda h: h.dense)
    first = hits[0].chunk.citation.source
    same = max(h.dense for h in hits if h.chunk.citation.source == first)
    other = max((h.dense for h in hits if h.chunk.citation.source != first), default=0.0)
    dense = sorted((h.dense for h in hits), reverse=True)
    lexical = max(h.lexical for h in hits)
    return (
        closest.dense,
        hits[0].dense,
        same - other,
        dense[0] - dense[1] if len(dense) > 1 else 0.0,
        hits[0].lexical / lexical if lexical > 0 else 0.0,
        float(np.log1p(hits[0].lexical)),
        float(lexical > 0),
        float(closest is hits[0]),
    )


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
    "no agreement": "all of it but whether the rankers' best files agree (index/agreement.py)",
    "no feature rule": "all of it but the named-feature rule (index/tool_features.txt)",
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
    if decision == "no agreement":
        return m.features()[:7]
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
    no_rule = ("scale only", "twins", "no veto", "no feature rule")
    if decision not in no_rule and row.measures.feature:
        return False  # names a feature of a tool it never mentions (index/tool_features.py)
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


# Round 10, the form of the decision: the same evidence in other forms than one linear sum
# (bench/abstention_rounds.md, `--variants`). Measured, none kept: printed so a later round can
# rerun them on new features.
FEATURES = (
    "against",
    "unknown",
    "leftover",
    "coverage",
    "off words",
    "given",
    "not given",
    "agreement",
)
SIGNS = (1, -1, -1, 1, -1, 1, -1, 1)  # each feature's direction in the linear fit
Model = Callable[[], Any]  # makes an unfitted sklearn classifier


def _logistic(c: float = 10.0) -> Model:
    from sklearn.linear_model import LogisticRegression

    return lambda: LogisticRegression(C=c, max_iter=5000)


def _boosted(depth: int, rate: float, rounds: int, leaf: int, l2: float) -> Model:
    """Shallow trees, each feature monotonic in its linear direction, strongly regularised."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return lambda: HistGradientBoostingClassifier(
        max_depth=depth,
        max_leaf_nodes=2**depth,
        learning_rate=rate,
        max_iter=rounds,
        min_samples_leaf=leaf,
        l2_regularization=l2,
        monotonic_cst=list(SIGNS),
        early_stopping=False,
        random_state=0,
    )


def _from_linear(rounds: int, depth: int, rate: float) -> Model:
    """Trees boosted from the linear fit: what the linear form leaves, if anything."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    return lambda: GradientBoostingClassifier(
        init=LogisticRegression(C=10.0, max_iter=5000),
        n_estimators=rounds,
        max_depth=depth,
        learning_rate=rate,
        min_samples_leaf=20,
        subsample=0.8,
        random_state=0,
    )


def _curves(columns: Sequence[int], c: float = 1.0) -> Model:
    """An additive form: each of `columns` through a quadratic spline with 4 knots at its
    quantiles (a curve per feature), the rest linear, then the logistic regression."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer

    def make() -> Any:
        spline = SplineTransformer(n_knots=4, degree=2, knots="quantile", extrapolation="linear")
        curves = ColumnTransformer([("curve", spline, list(columns))], remainder="passthrough")
        return make_pipeline(curves, LogisticRegression(C=c, max_iter=5000))

    return make


class _Hinge:
    """The linear fit plus max(0, knot - x) (below) or max(0, x - knot) on one feature, its
    knot at a quantile of the training rows (piecewise-linear: counted only past the knot)."""

    def __init__(self, column: int, quantile: float, below: bool) -> None:
        self.column, self.quantile, self.below = column, quantile, below
        self.knot = 0.0
        self.model: Any = None

    def _with_hinge(self, x: np.ndarray) -> np.ndarray:
        past = self.knot - x[:, self.column] if self.below else x[:, self.column] - self.knot
        return np.column_stack([x, np.maximum(0.0, past)])

    def fit(self, x: np.ndarray, y: np.ndarray) -> _Hinge:
        self.knot = float(np.quantile(x[:, self.column], self.quantile))
        self.model = _logistic()().fit(self._with_hinge(x), y)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_proba(self._with_hinge(x)))


def held_out(
    rows: Sequence[Row], x: np.ndarray, model: Model, read: bool = FIT_READ
) -> dict[str, int]:
    """Right decisions per corpus, each scored by `model` fitted on the OTHER corpora's fitted
    sets (and read sets if `read`), on exactly the rows the table scores; the technology rule
    kept."""
    corpus = np.array([r.corpus for r in rows])
    train = np.array([read or not r.source for r in rows])
    y = np.array([r.on_topic for r in rows])
    absent = np.array([bool(r.measures.absent) for r in rows])
    right: dict[str, int] = {}
    for c in dict.fromkeys(corpus):
        fitted_on = (corpus != c) & train
        scored = corpus == c
        said = model().fit(x[fitted_on], y[fitted_on]).predict_proba(x[scored])[:, 1] >= 0.5
        right[str(c)] = int(((said & ~absent[scored]) == y[scored]).sum())
    return right


def _recentred(
    rows: Sequence[Row],
    x: np.ndarray,
    refs: dict[str, tuple[np.ndarray, np.ndarray]],
    how: str,
    columns: tuple[int, ...],
) -> np.ndarray:
    """Each continuous feature moved onto the corpus's own calibration questions: its zero at
    the bundled off-topic questions' mean (or midway to the headings'), its unit the span to
    the headings' mean or the off-topic questions' spread."""
    out = x.copy()
    for c, (off, heads) in refs.items():
        mine = np.array([r.corpus == c for r in rows])
        low, high, spread = off.mean(0), heads.mean(0), off.std(0)
        for k in columns:
            if how == "minus off-topic mean":
                out[mine, k] = x[mine, k] - low[k]
            elif how == "minus midpoint":
                out[mine, k] = x[mine, k] - (low[k] + high[k]) / 2
            elif how == "span off-topic..headings":
                span = high[k] - low[k]
                out[mine, k] = (x[mine, k] - low[k]) / (span if abs(span) > 1e-6 else 1.0)
            else:  # "z by off-topic spread"
                out[mine, k] = (x[mine, k] - low[k]) / max(float(spread[k]), 1e-3)
    return out


def variants(rows: Sequence[Row], refs: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Print the held-out right decisions of other forms of the same evidence (round 10).

    `refs`: per corpus, `Measures.features` of the bundled off-topic questions and of its
    headings asked as questions (the calibration questions), for the recentring variants."""
    x = np.array([r.measures.features() for r in rows])
    corpora = list(dict.fromkeys(r.corpus for r in rows))
    tried: list[tuple[int, str, np.ndarray, Model]] = []

    def line(label: str, x: np.ndarray, model: Model, read: bool = FIT_READ) -> None:
        right = held_out(rows, x, model, read)
        n = sum(right.values())
        per = " ".join(f"{right[c]:>5}" for c in corpora)
        drop = [c for c in corpora if right[c] < baseline[c]]
        worse = f"  down: {', '.join(drop)}" if drop else ""
        print(f"  {label:<52}{per} {n:>6} {n - total:+4}{worse}")
        tried.append((n, label, x, model))

    baseline = held_out(rows, x, _logistic())
    total = sum(baseline.values())
    counts = " ".join(f"{sum(r.corpus == c for r in rows):>5}" for c in corpora)
    print("\nround 10, the form of the decision: right decisions held out (leave-one-corpus-out)")
    print(f"  {'(questions)':<52}{counts} {len(rows):>6}")
    print(f"  {'variant':<52}" + " ".join(f"{c[:5]:>5}" for c in corpora) + "  total  gain")
    line("linear (what ships)", x, _logistic())
    rng = np.random.default_rng(0)
    noise = []
    for i in range(30):  # how far a column of pure noise moves the total: the noise band
        column = (rng.normal(size=len(rows)), rng.random(len(rows)), rng.random(len(rows)) < 0.3)
        noise.append(sum(held_out(rows, np.column_stack([x, column[i % 3]]), _logistic()).values()))
    band = f"{min(noise)} .. {max(noise)} (median {np.median(noise):.0f})"
    print(f"  + a column of random numbers, 30 draws: {band}: a gain inside this is noise")
    print("  (a) shallow boosted trees, monotonic in each feature's linear direction:")
    for depth, rate, rounds, leaf, l2 in (
        (1, 0.1, 200, 20, 1.0),
        (2, 0.05, 200, 20, 1.0),
        (2, 0.1, 100, 40, 5.0),
        (3, 0.05, 200, 40, 5.0),
    ):
        label = f"depth {depth}, rate {rate}, {rounds} trees, leaf {leaf}, l2 {l2}"
        line(label, x, _boosted(depth, rate, rounds, leaf, l2))
    for rounds, depth, rate in ((20, 1, 0.05), (50, 2, 0.05), (50, 2, 0.1)):
        line(
            f"{rounds} trees, depth {depth}, rate {rate}, from the linear fit",
            x,
            _from_linear(rounds, depth, rate),
        )
    print("  (b) the linear fit plus pairwise products, spline curves or hinge terms:")
    for i, j in combinations(range(7), 2):
        if (i, j) != (5, 6):  # given and not given are never both 1
            line(
                f"x {FEATURES[i]} * {FEATURES[j]}",
                np.column_stack([x, x[:, i] * x[:, j]]),
                _logistic(),
            )
    products = np.column_stack([x, *(x[:, i] * x[:, j] for i, j in combinations(range(5), 2))])
    line("all ten products of the continuous features", products, _logistic())
    for k in range(5):
        line(f"a spline curve for {FEATURES[k]}", x, _curves((k,), 10.0))
    line("spline curves for all five (C 1)", x, _curves(range(5)))
    for k in range(5):
        for below in (True, False):
            for q in (0.25, 0.5, 0.75):
                side = "below" if below else "above"
                label = f"hinge: {FEATURES[k]} {side} its {q:.0%} quantile"
                line(label, x, lambda k=k, q=q, b=below: _Hinge(k, q, b))
    print("  (c) features recentred on the corpus's own calibration questions:")
    for how in (
        "minus off-topic mean",
        "minus midpoint",
        "span off-topic..headings",
        "z by off-topic spread",
    ):
        for k in range(5):
            line(f"{how}: {FEATURES[k]}", _recentred(rows, x, refs, how, (k,)), _logistic())
        line(f"{how}: all five", _recentred(rows, x, refs, how, tuple(range(5))), _logistic())
    print("  (d) raw signals at decision time added to the fit:")
    m = [r.measures for r in rows]
    raw = {
        **{name: np.array([r.signals[i] for r in rows]) for i, name in enumerate(SIGNALS)},
        "the twins' similarity alone": np.array([v.twin_similarity for v in m]),
        "the twins' place alone": np.array([v.twin_scaled for v in m]),
        "the scaled cosine alone (without the twins)": np.array([v.scaled for v in m]),
    }
    for name, column in raw.items():
        line(f"+ {name}", np.column_stack([x, column]), _logistic())
    line("+ all of them", np.column_stack([x, *raw.values()]), _logistic())
    # The best few again, fitted the other way (on the read sets too, or not): a real gain
    # should survive a change of training rows that changes nothing about the evidence.
    other = "fitted sets only" if FIT_READ else "fitted and read sets"
    best = sorted(tried[1:], key=lambda t: -t[0])[:3]
    baseline = held_out(rows, x, _logistic(), not FIT_READ)
    total = sum(baseline.values())
    print(f"  the best three again, weights fitted on the other corpora's {other}:")
    line("linear (what ships)", x, _logistic(), not FIT_READ)
    for _, label, features, model in best:
        line(label, features, model, not FIT_READ)
    # Without the shift from corpus to corpus: 5-fold over all rows, every corpus in training.
    pooled = {"linear": _logistic(), "depth 2 boosted": _boosted(2, 0.05, 200, 20, 1.0)}
    print(
        "  not held out by corpus, 5-fold over all rows: "
        + ", ".join(f"{name} {_pooled(rows, x, model)}" for name, model in pooled.items())
    )
    print("  the linear fit's held-out wrong decisions sit among rows of the other label:")
    for c in corpora:
        wrong, every = _neighbours(rows, x, c)
        print(
            f"    {c:<15} the 10 nearest rows of the other corpora (standardised features) "
            f"share the label of its wrong decisions {wrong:.2f}, of all its rows {every:.2f}"
        )


def _neighbours(rows: Sequence[Row], x: np.ndarray, corpus: str) -> tuple[float, float]:
    """How often the 10 nearest rows of the other corpora share a row's label, over the
    corpus's held-out wrong decisions and over all its rows: near 1 where some form of the
    features could tell, low where a wrong decision sits among rows of the other label."""
    from sklearn.neighbors import NearestNeighbors

    y = np.array([r.on_topic for r in rows])
    mine = np.array([r.corpus == corpus for r in rows])
    spread = x.std(0)
    z = (x - x.mean(0)) / np.where(spread > 0, spread, 1.0)
    weights = fit([r for r in fitted(rows) if r.corpus != corpus])
    wrong = np.array([answers(r, weights) != r.on_topic for r in rows if r.corpus == corpus])
    _, near = NearestNeighbors(n_neighbors=10).fit(z[~mine]).kneighbors(z[mine])
    agree = (y[~mine][near] == y[mine][:, None]).mean(1)
    return float(agree[wrong].mean()) if wrong.any() else float("nan"), float(agree.mean())


def _pooled(rows: Sequence[Row], x: np.ndarray, model: Model) -> int:
    """Right decisions when every corpus is in training (stratified 5-fold over all rows)."""
    from sklearn.model_selection import StratifiedKFold

    y = np.array([r.on_topic for r in rows])
    absent = np.array([bool(r.measures.absent) for r in rows])
    strata = [f"{r.corpus} {r.on_topic}" for r in rows]
    right = 0
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x, strata):
        said = model().fit(x[train], y[train]).predict_proba(x[test])[:, 1] >= 0.5
        right += int(((said & ~absent[test]) == y[test]).sum())
    return right
