"""The best passage's own scale: does it add evidence to answer-or-abstain, held out? (round 11)

    .venv/bin/python bench/passage_scale.py [--seeds 20]

The calibrated decision (index/calibration.py) places a question's best cosine on the CORPUS's
scale (`Scale`: the off-topic questions' mean best cosine = 0, the headings' median = 1). But
passages differ: a long general passage (a "hub") is close to many questions, on-topic or not;
a narrow card is far from everything, so a fair paraphrase at cosine 0.35 may be the highest
any question reaches on it. This bench measures each question's best passage (the closest of
the best five, as `best_cosine`) against the bundled off-topic questions ON THAT PASSAGE: their
cosines to it (one product of the 116 off-topic vectors with the passage vector; nothing per
passage need be stored) give its max, 90th percentile, mean and std; the near-miss twins the
same; and, as the passage's own top, the cosine of its detail sentence (index/detail_sentences.py)
to it. Each form is added as one more column beside the features of `Measures.features()`, or
put in place of `scaled` in against_twins, and scored as bench/abstention.py scores the decision:
weights fitted on the other corpora's fitted sets (logistic regression, C=10), scored on the
held-out corpus's fitted and READ sets, the named-technology rule applied. Printed beside:

- a noise band: the same fit with one column of seeded random noise instead (`--seeds` of them);
- within each corpus (5-fold, seeded), the baseline and the simplest form, to tell missing
  evidence from a transfer between corpora;
- the questions whose best passage is short vs long (split at the median length), and every
  question whose decision the simplest form changes;
- a generated probe (`random.Random(11)`): per corpus a sentence of 60 random passages (the
  first fitting one, not the middle one the calibration asks) as on-topic questions and 60
  random near-miss twins as off-topic ones; the AUC of each single signal (the corpus scale,
  the cosine above the passage's off-topic max, a z-score on the passage, the cosine minus the
  passage's own sentence level), over all and by short/long best passage.

Rows come from bench/abstention.py `score_corpus` (its indexes in bench/out/abstention); the
figures are held out for the weights, but the choice among the forms is read on the same pool.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA, ORDER, OUT, read_sets, score_corpus  # noqa: E402
from bench.abstention_fit import Row  # noqa: E402
from bench.retrieval import model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import rank  # noqa: E402
from index.aspects import families  # noqa: E402
from index.bundled import off_topic_questions  # noqa: E402
from index.corpus_inputs import twin_questions  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.detail_sentences import sentence  # noqa: E402
from index.documents import Chunk  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402

# Per question: its best cosine, the off-topic questions' max / q90 / mean / std on its best
# passage, the twins' max / q90 there, the corpus's scale span, the passage's length, and the
# cosine of the passage's own detail sentence (index/detail_sentences.py) to it; and the max of
# the "plain" off-topic questions only: those that ask for no aspect of index/aspects.py (no
# duration, pay, degree, legal terms, interview ...), so a careers corpus's own subject is not
# its passages' zero.
STATS = (
    "cosine",
    "off max",
    "off q90",
    "off mean",
    "off std",
    "twin max",
    "twin q90",
    "span",
    "len",
    "sentence",
    "plain max",
)
PROBE_SEED = 11
PROBE_SIZE = 60  # generated on-topic and off-topic questions per corpus
measurer_zero: dict[str, float] = {}  # each corpus's off-topic level (Scale.off_topic)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class Measurer:
    """One corpus's index and calibration, and STATS for questions asked of it."""

    def __init__(self, name: str) -> None:
        config = IndexConfig(
            (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
        )
        kb = asyncio.run(KnowledgeBase.open(config))
        self.snap, self.ranking, self.embedder = kb.snapshot, kb.ranking, kb.embedder
        self.cal = calibration.for_snapshot(self.snap, self.embedder, self.ranking, config.home)
        # As measure_scale runs them: the off-topic questions as the corpus's speller reads them.
        texts = [self.cal.speller.check(q).text for q in off_topic_questions()]
        self.off = np.asarray(self.embedder.encode(texts), dtype=np.float32)
        asks = [any(f.asked_by(q) for f in families()) for q in off_topic_questions()]
        self.plain = self.off[~np.array(asks, dtype=bool)]
        self.span = max(self.cal.scale.headings - self.cal.scale.off_topic, 0.05)
        self._sentence: dict[str, float] = {}

    def sentence_level(self, chunk: Chunk, vector: np.ndarray) -> float:
        """Cosine of the passage's own detail sentence to it (nan without one)."""
        if chunk.key not in self._sentence:
            found = sentence(chunk.embed_text)
            level = float("nan")
            if found is not None:
                encoded = self.embedder.encode([self.cal.speller.check(found).text])[0]
                level = float(np.asarray(encoded) @ vector)
            self._sentence[chunk.key] = level
        return self._sentence[chunk.key]

    def stats(self, texts: list[str]) -> np.ndarray:
        """STATS for each question, its best passage found as `Calibration.measure` finds it."""
        twins = self.cal.twins.vectors
        out = np.zeros((len(texts), len(STATS)))
        for i, text in enumerate(texts):
            checked = self.cal.check(text)
            query = query_vector(self.embedder, checked)
            hits = rank(self.snap, query, checked.text, self.ranking, limit=50)
            if not hits:
                continue
            best = max(hits[:5], key=lambda h: h.dense)
            vector = np.asarray(self.snap.vectors[self.snap.rows[best.chunk.key]], np.float32)
            o = self.off @ vector
            t = twins @ vector if len(twins) else np.zeros(1, np.float32)
            out[i] = (
                best.dense,
                o.max(),
                np.quantile(o, 0.9),
                o.mean(),
                o.std(),
                t.max(),
                np.quantile(t, 0.9),
                self.span,
                len(best.chunk.lexical_text),
                self.sentence_level(best.chunk, vector),
                (self.plain @ vector).max(),
            )
        # A passage without a fitting sentence takes the corpus's median level.
        level = out[:, STATS.index("sentence")]
        level[np.isnan(level)] = np.nanmedian(level) if np.isfinite(level).any() else 0.0
        return out

    def probe(self) -> tuple[np.ndarray, np.ndarray]:
        """A generated, seeded probe: one sentence (the first fitting one, not the middle one
        the calibration asks) of each of PROBE_SIZE passages drawn at random, on-topic; as many
        near-miss twins drawn at random, off-topic. Returns (STATS, on-topic labels)."""
        rng = random.Random(PROBE_SEED)
        chunks = sorted(self.snap.chunks, key=lambda c: c.key)
        on: list[str] = []
        for chunk in rng.sample(chunks, len(chunks)):
            _, _, body = chunk.embed_text.partition("\n")
            fit = [t.strip() for t in _SENTENCE_END.split(body) if 6 <= len(t.split()) <= 20]
            fit = [t for t in fit if "@" not in t and "://" not in t]
            if fit:
                on.append(fit[0])
            if len(on) == PROBE_SIZE:
                break
        twins = twin_questions(self.snap)
        off = rng.sample(twins, min(PROBE_SIZE, len(twins)))
        labels = np.array([True] * len(on) + [False] * len(off))
        return self.stats([*on, *off]), labels


class Pool:
    """The scored questions as arrays, and the held-out fit of bench/abstention.py."""

    def __init__(self, rows: list[Row], stats: np.ndarray) -> None:
        self.rows = rows
        self.base = np.array([r.measures.features() for r in rows])
        self.y = np.array([r.on_topic for r in rows])
        self.absent = np.array([bool(r.measures.absent) for r in rows])
        self.corpus = np.array([r.corpus for r in rows])
        self.fitted = np.array([not r.source for r in rows])
        self.stats = {s: stats[:, i] for i, s in enumerate(STATS)}
        self.corpora = [c for c in ORDER if c in set(self.corpus)]

    def held_out(self, x: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """Each corpus decided with weights fitted on the others' fitted sets; and the new
        column's weight fitted on all fitted sets (its last coefficient)."""
        from sklearn.linear_model import LogisticRegression

        answered = np.zeros(len(self.y), dtype=bool)
        for c in self.corpora:
            train = (self.corpus != c) & self.fitted
            model = LogisticRegression(C=10.0, max_iter=5000).fit(x[train], self.y[train])
            mine = self.corpus == c
            answered[mine] = (model.decision_function(x[mine]) >= 0) & ~self.absent[mine]
        every = LogisticRegression(C=10.0, max_iter=5000).fit(x[self.fitted], self.y[self.fitted])
        return answered, [float(w) for w in every.coef_[0]]

    def within(self, x: np.ndarray) -> dict[str, int]:
        """Right decisions per corpus, 5-fold within the corpus (seeded)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        right: dict[str, int] = {}
        for c in self.corpora:
            idx = np.where(self.corpus == c)[0]
            folds = StratifiedKFold(5, shuffle=True, random_state=0).split(idx, self.y[idx])
            right[c] = 0
            for train, test in folds:
                model = LogisticRegression(C=10.0, max_iter=5000)
                model.fit(x[idx[train]], self.y[idx[train]])
                answered = model.decision_function(x[idx[test]]) >= 0
                answered &= ~self.absent[idx[test]]
                right[c] += int((answered == self.y[idx[test]]).sum())
        return right

    def line(self, label: str, x: np.ndarray, new: int = 0) -> np.ndarray:
        answered, weights = self.held_out(x)
        ok = answered == self.y
        per = " ".join(
            f"{c[:8]:<8} {int(ok[self.corpus == c].sum()):4d}/{int((self.corpus == c).sum()):<4}"
            for c in self.corpora
        )
        w = f"  new weight {', '.join(f'{v:+.2f}' for v in weights[-new:])}" if new else ""
        print(f"  {label:<44} {int(ok.sum()):5d}  {per}{w}")
        return answered


def forms(p: Pool) -> dict[str, np.ndarray]:
    """The forms of the evidence compared, as one column each."""
    s = p.stats
    c, top = s["cosine"], s["off max"]
    return {
        "+ cosine - off max": c - top,
        "+ cosine - off q90": c - s["off q90"],
        "+ (cosine - off mean) / off std / 10": (c - s["off mean"])
        / np.maximum(s["off std"], 1e-3)
        / 10,
        "+ (cosine - off max) / corpus span": (c - top) / s["span"],
        "+ cosine - twin max": c - s["twin max"],
        "+ cosine - twin q90": c - s["twin q90"],
        "+ off max alone (the passage's level)": top,
        "+ max(0, cosine - off max)": np.maximum(0.0, c - top),
        "+ min(0, cosine - off max)": np.minimum(0.0, c - top),
        "+ cosine - plain off max (no aspect asked)": c - s["plain max"],
        "+ min(0, cosine - plain off max)": np.minimum(0.0, c - s["plain max"]),
        "+ own sentence level (the passage's 1)": s["sentence"],
        "+ cosine - own sentence level": c - s["sentence"],
        "+ (cosine - off max) / (sentence - off max)": (c - top)
        / np.maximum(s["sentence"] - top, 0.05),
    }


def signals(stats: np.ndarray, corpus_zero: float) -> dict[str, np.ndarray]:
    """Single signals compared on the generated probe (AUC, higher = on-topic)."""
    s = {name: stats[:, i] for i, name in enumerate(STATS)}
    c = s["cosine"]
    return {
        "corpus scale": (c - corpus_zero) / s["span"],
        "cosine - off max": c - s["off max"],
        "z on the passage": (c - s["off mean"]) / np.maximum(s["off std"], 1e-3),
        "cosine - own sentence": c - s["sentence"],
        "cosine - plain off max": c - s["plain max"],
    }


def print_probe(probes: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """AUC of each single signal on the generated probe, all and by best passage length."""
    from sklearn.metrics import roc_auc_score

    print(
        f"\ngenerated probe (seed {PROBE_SEED}): a sentence of {PROBE_SIZE} random passages "
        "vs as many random near-miss twins; AUC of each signal (all / short / long best passage)"
    )
    for name, (stats, labels) in probes.items():
        zero = measurer_zero[name]
        long = stats[:, STATS.index("len")] >= np.median(stats[:, STATS.index("len")])
        parts = []
        for label, column in signals(stats, zero).items():
            aucs = []
            for part in (np.ones(len(labels), bool), ~long, long):
                ok = len(set(labels[part])) == 2
                aucs.append(f"{roc_auc_score(labels[part], column[part]):.3f}" if ok else "-")
            parts.append(f"{label} {' / '.join(aucs)}")
        print(f"  {name:<15} " + "; ".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="random columns of the noise band")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows: list[Row] = []
    stats: list[np.ndarray] = []
    probes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in ORDER:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        sets = read_sets(name)
        found, _ = score_corpus(name, sets)
        mine = [r for more in found.values() for r in more]
        rows += mine
        measurer = Measurer(name)
        stats.append(measurer.stats([r.text for r in mine]))
        probes[name] = measurer.probe()
        measurer_zero[name] = measurer.cal.scale.off_topic
    p = Pool(rows, np.concatenate(stats))
    print("\nheld out (leave-one-corpus-out), right decisions of the fitted and READ sets:")
    baseline = p.line("baseline (Measures.features())", p.base)
    changed = p.base.copy()
    for label, column in forms(p).items():
        p.line(label, np.column_stack([p.base, column]), new=1)
    s = p.stats
    scaled = np.array([r.measures.scaled for r in rows])
    span, twins = s["span"], p.base[:, 0] - scaled
    zero = s["cosine"] - scaled * span  # the corpus's off-topic level
    for label, placed in {
        "(cosine - off max) / span": (s["cosine"] - s["off max"]) / span,
        "(cosine - off mean) / span": (s["cosine"] - s["off mean"]) / span,
        "(cosine - plain off max) / span": (s["cosine"] - s["plain max"]) / span,
        "(cosine - corpus zero) / (sentence - corpus zero)": (s["cosine"] - zero)
        / np.maximum(s["sentence"] - zero, 0.05),
    }.items():
        changed[:, 0] = placed + twins  # against_twins with the passage's zero
        p.line(f"instead of scaled: {label}", changed)
    # The twins' offset measured on the passage too: the twins' max or q90 there, from the
    # passage's zero or the corpus's, in place of against_twins or beside it.
    alike = np.array([r.measures.twin_similarity for r in rows])
    c, top = s["cosine"], s["off max"]
    for twin in ("twin max", "twin q90"):
        level = s[twin]
        changed[:, 0] = (c - top) / span - alike * (level - top) / span
        p.line(f"instead: passage zero, twins' {twin[5:]} there", changed)
        p.line(f"+ the same beside ({twin[5:]})", np.column_stack([p.base, changed[:, 0]]), 1)
        changed[:, 0] = (c - zero) / span - alike * (level - zero) / span
        p.line(f"instead: corpus zero, twins' {twin[5:]} there", changed)
    noise: list[int] = []
    for seed in range(args.seeds):
        column = np.random.default_rng(seed).normal(size=len(rows)) * 0.05
        with contextlib.redirect_stdout(io.StringIO()):
            answered = p.line("", np.column_stack([p.base, column]))
        noise.append(int((answered == p.y).sum()))
    print(f"  noise band, one random column ({args.seeds} seeds): {sorted(noise)}")

    simplest = np.column_stack([p.base, s["cosine"] - s["off max"]])
    print("\nwithin each corpus (5-fold), baseline:", p.within(p.base))
    print("within each corpus (5-fold), + cosine - off max:", p.within(simplest))

    with contextlib.redirect_stdout(io.StringIO()):
        after = p.line("", simplest)
    long = s["len"] >= np.median(s["len"])
    for label, part in (("short", ~long), ("long", long)):
        before_ok = int((baseline[part] == p.y[part]).sum())
        after_ok = int((after[part] == p.y[part]).sum())
        print(f"best passage {label:<5} ({int(part.sum())}): {before_ok} -> {after_ok} right")
    print_probe(probes)
    print("decisions + cosine - off max changes (held out):")
    for i in np.where(baseline != after)[0]:
        r = rows[i]
        print(
            f"  {r.corpus:<15} {r.kind:<11} {'on' if r.on_topic else 'off':<3} "
            f"{'answered' if after[i] else 'refused':<8} cosine {s['cosine'][i]:.2f} off max "
            f"{s['off max'][i]:.2f} len {int(s['len'][i]):5d} {r.text[:60]!r}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
