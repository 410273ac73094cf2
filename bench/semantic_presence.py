"""Semantic presence: does the best passage say anything about each part of the question? (round 12)

    .venv/bin/python bench/semantic_presence.py [--units stop|common] [--with-probe] [--seeds 20]

A near-miss names a technology the corpus has a card for and a feature the card never talks
about ("terraform state locking"); the lexical forms of "the passage lacks this part" are
exhausted (nearmiss8, fit10). This bench measures SEMANTIC forms with the one model
(all-MiniLM-L6-v2). A question's units are the topic words of its judged part (index/stated.py)
but stop words (bm25s's 33, `--units stop`) or also the commonest English words (`is_common`:
"state", "group", "set" left out, `--units common`). A unit the best passage (the first ranked)
names in some form (same English stem) is present (1); each lacking one is embedded alone, in
one encode call. The idea to test: a paraphrase's everyday words ("spread", "squash") find a
semantic partner in the passage ("variance", "reduce"); "locking", "rebalancing" find none.

Forms compared, each as one more column beside `Measures.features()` (what the decision sees):
- "worst": the lowest presence of the units, presence = the best cosine to the passage's own
  words (stop words left out), each embedded alone;
- "weighted": the `Speller.weight`-weighted mean presence over all units;
- "missing": the weighted share of units whose presence is below the corpus's own level (the
  median "worst" of the bundled off-topic questions on their best passages);
- "vs passage": the lowest cosine of a lacking unit to the best passage's vector (no word
  vectors: the cheapest form);
- "worst above usual": presence minus how close the word usually comes to a passage of this
  corpus (median over USUAL_SAMPLE random passages): a generic word finds a partner anywhere;
- each on the corpus's scale: (value - the off-topic questions' median) / (1 - that median)
  (headings and detail sentences asked of their own passages name every unit: their level is 1);
- ablation ("drop gain"): the question encoded again without one unit (one call for all), the
  cosine to the best passage it gains: max over lacking units, over all units, weighted mean;
- sentences: the best passage's sentences embedded; the question's best sentence cosine, its
  gain over the passage's cosine, the lowest over lacking units of their best sentence cosine,
  and of 2-word chunks (adjacent units, one lacking) against the sentences and the passage;
- products with the coverage feature: the near-miss's conjunction (the passage names most of
  the question, and one unit has no partner there).

Printed per corpus before any fit: each form's quantiles (on- / off-topic), AUC alone, by kind;
among the questions the shipped weights answer, the AUC on vs off and paraphrases vs off; worked
examples; the wrong decisions with their units. Then held out as bench/abstention.py scores the
decision (leave-one-corpus-out, weights fitted on the other corpora's fitted sets, scored on the
held-out corpus's fitted and READ sets; bench/passage_scale.py `Pool`), beside a noise band.
With --with-probe, the other corpora's generated probe (bench/semantic_probe.py) joins the
training rows. Last, the cost: one encode call of a learning-paths question's lacking units,
beside the encode of the question itself, alternating (median).

Rows come from bench/abstention.py `score_corpus` (indexes in bench/out/abstention). Figures
and the conclusion: bench/abstention_rounds.md, "Round 12, semantic presence".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import io
import itertools
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA, ORDER, OUT, read_sets, score_corpus  # noqa: E402
from bench.abstention_fit import Row  # noqa: E402
from bench.passage_scale import STATS, Pool  # noqa: E402
from bench.retrieval import model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import rank  # noqa: E402
from index.bundled import off_topic_questions  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.documents import Hit  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402
from index.spelling import Checked, is_common, stems, words  # noqa: E402
from index.stated import judged  # noqa: E402


@functools.cache
def stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


# Which of the question's topic words are units: every word but stop words (--units stop), or
# only those outside the commonest English words (--units common: "state", "group" left out).
UNIT = lambda w: w not in stop_words()  # noqa: E731


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
SENTENCE = (
    "best sentence",
    "best sentence - passage",
    "worst unit vs sentences",
    "worst 2-word chunk vs sentences",
    "worst 2-word chunk vs passage",
)
ABLATION = ("drop gain, lacking units", "drop gain, all units", "drop gain, weighted mean")
FORMS = ("worst", "weighted", "missing", "vs passage", "worst above usual")
USUAL_SAMPLE = 40  # passages a word's usual level is measured on
# The brief's near-misses, shown unit by unit on roadmap-sh.
EXAMPLES = (
    "terraform state locking", "kafka consumer group rebalancing", "reshard a redis cluster",
    "set up a horizontal pod autoscaler", "docker compose healthchecks",
    "roll back a django migration", "tune garbage collection in the jvm",
)  # fmt: skip


class Measurer:
    """One corpus's index and calibration; the semantic presence of questions' units."""

    def __init__(self, name: str) -> None:
        config = IndexConfig(
            (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
        )
        kb = asyncio.run(KnowledgeBase.open(config))
        self.snap, self.ranking, self.embedder = kb.snapshot, kb.ranking, kb.embedder
        self.cal = calibration.for_snapshot(self.snap, self.embedder, self.ranking, config.home)
        self._words: dict[str, np.ndarray] = {}
        self._passage: dict[str, tuple[frozenset[str], list[str]]] = {}
        self.level = 0.0  # the off-topic questions' median "worst unit" presence
        self._usual: dict[str, float] = {}
        self._sentences: dict[str, np.ndarray] = {}
        self._sample: list[np.ndarray] | None = None

    def sentences(self, key: str, embed_text: str) -> np.ndarray:
        """The vectors of a passage's sentences of 4 or more words (heading trail and link
        lines left out; the whole body when none fits), cached."""
        if key not in self._sentences:
            _, _, body = embed_text.partition("\n")
            fit = [
                t.strip()
                for t in _SENTENCE_END.split(body)
                if len(t.split()) >= 4 and "://" not in t
            ] or [body or embed_text]
            self._sentences[key] = np.asarray(self.embedder.encode(fit), np.float32)
        return self._sentences[key]

    def sentence_forms(self, text: str) -> tuple[float, float, float, float, float]:
        """The question against its best passage's sentences: the best sentence's cosine, its
        gain over the passage's cosine, and the lowest over the lacking units (embedded alone)
        of their best cosine to a sentence (1 when the passage names every unit); then the
        2-word chunks (adjacent units in the question's order, at least one lacking, embedded
        alone; a lone lacking unit alone): the lowest best cosine to a sentence, and to the
        passage vector."""
        checked = self.cal.check(text)
        query = query_vector(self.embedder, checked)
        hits = rank(self.snap, query, checked.text, self.ranking, limit=50)
        if not hits:
            return 0.0, 0.0, 0.0, 0.0, 0.0
        chunk = hits[0].chunk
        found = self.sentences(chunk.key, chunk.embed_text)
        best = float((found @ np.asarray(query, np.float32)).max())
        asked = judged(checked)
        unit_words = list(
            dict.fromkeys(w for w in (*asked.known, *asked.unknown) if w.isalpha() and UNIT(w))
        )
        used, _ = self.passage(chunk.key, chunk.lexical_text)
        lacking = [w for w, s in zip(unit_words, stems(unit_words), strict=True) if s not in used]
        worst = float((self.vectors(lacking) @ found.T).max(axis=1).min()) if lacking else 1.0
        units = set(unit_words)
        order = [w for w in words(asked.text) if w in units]
        chunks = [f"{a} {b}" for a, b in itertools.pairwise(order) if a in lacking or b in lacking]
        chunks = chunks or lacking
        if not chunks:
            return best, best - hits[0].dense, worst, 1.0, 1.0
        mine = self.vectors(chunks)
        vector = np.asarray(self.snap.vectors[self.snap.rows[chunk.key]], np.float32)
        pair_sentences = float((mine @ found.T).max(axis=1).min())
        pair_passage = float((mine @ vector).min())
        return best, best - hits[0].dense, worst, pair_sentences, pair_passage

    def usual(self, items: list[str]) -> np.ndarray:
        """How close each word usually comes to a passage of this corpus: the median, over
        USUAL_SAMPLE passages drawn at random (seeded), of its best cosine to their words. A
        generic word ("tune", "setup") finds a fair partner anywhere; a passage is evidence
        for it only above that."""
        if self._sample is None:
            rng = random.Random(12)
            chunks = sorted(self.snap.chunks, key=lambda c: c.key)
            picked = rng.sample(chunks, min(USUAL_SAMPLE, len(chunks)))
            owns = [self.passage(c.key, c.lexical_text)[1] for c in picked]
            self._sample = [self.vectors(own) for own in owns if own]
        new = [w for w in items if w not in self._usual]
        if new:
            mine = self.vectors(new)
            best = np.array([(mine @ theirs.T).max(axis=1) for theirs in self._sample])
            for w, level in zip(new, np.median(best, axis=0), strict=True):
                self._usual[w] = float(level)
        return np.array([self._usual[w] for w in items])

    def vectors(self, items: list[str]) -> np.ndarray:
        """Each word embedded alone (cached across the run)."""
        new = sorted({w for w in items if w not in self._words})
        if new:
            for w, v in zip(new, np.asarray(self.embedder.encode(new)), strict=True):
                self._words[w] = v
        return np.array([self._words[w] for w in items], np.float32).reshape(len(items), -1)

    def passage(self, key: str, text: str) -> tuple[frozenset[str], list[str]]:
        """A passage's word stems, and its words not among the commonest English ones."""
        if key not in self._passage:
            found = sorted(set(words(text)))
            own = [w for w in found if w not in stop_words() and w.isalpha()]
            self._passage[key] = frozenset(stems(found)), own
        return self._passage[key]

    def ranked_units(self, text: str) -> tuple[list[Hit], Checked, list[str]]:
        """The question's ranked passages (first 50), the part of it the decision judges, and
        its units: that part's topic words."""
        checked = self.cal.check(text)
        query = query_vector(self.embedder, checked)
        hits = rank(self.snap, query, checked.text, self.ranking, limit=50)
        asked = judged(checked)
        words = (*asked.known, *asked.unknown)
        return hits, asked, list(dict.fromkeys(w for w in words if w.isalpha() and UNIT(w)))

    def units(self, text: str) -> tuple[list[tuple[str, float, float, float, float]], int]:
        """Per unit of a question: (word, weight, presence among the passage's words, cosine
        to the passage vector, presence above the word's usual level); and the count of
        lacking units (those embedded)."""
        hits, _, unit_words = self.ranked_units(text)
        if not hits or not unit_words:
            return [], 0
        chunk = hits[0].chunk
        used, own = self.passage(chunk.key, chunk.lexical_text)
        vector = np.asarray(self.snap.vectors[self.snap.rows[chunk.key]], np.float32)
        lacking = [w for w, s in zip(unit_words, stems(unit_words), strict=True) if s not in used]
        out = []
        if lacking:
            mine = self.vectors(lacking)
            theirs = self.vectors(own) if own else np.zeros((1, mine.shape[1]), np.float32)
            best = (mine @ theirs.T).max(axis=1)
            near = mine @ vector
            above = best - self.usual(lacking)
        for w in unit_words:
            if w in lacking:
                i = lacking.index(w)
                out.append(
                    (w, self.cal.speller.weight(w), float(best[i]), float(near[i]), float(above[i]))
                )
            else:
                out.append((w, self.cal.speller.weight(w), 1.0, 1.0, 1.0))
        return out, len(lacking)

    def ablation(self, text: str) -> tuple[float, float, float]:
        """What the best passage makes of each unit in context: the question encoded again with
        one unit left out (one encode call for all), and the cosine to the best passage's vector
        it gains by that. Returns the largest gain over the units the passage lacks lexically,
        over all units, and the weighted mean gain over all units (0 without units)."""
        hits, asked, unit_words = self.ranked_units(text)
        if not hits or not unit_words:
            return 0.0, 0.0, 0.0
        chunk = hits[0].chunk
        used, _ = self.passage(chunk.key, chunk.lexical_text)
        vector = np.asarray(self.snap.vectors[self.snap.rows[chunk.key]], np.float32)
        lacking = {w for w, s in zip(unit_words, stems(unit_words), strict=True) if s not in used}
        texts = [asked.text]
        for w in unit_words:
            dropped = re.sub(rf"(?i)\b{re.escape(w)}\b", " ", asked.text)
            texts.append(" ".join(dropped.split()))
        cos = np.asarray(self.embedder.encode(texts)) @ vector
        gains = cos[1:] - cos[0]
        weights = np.array([self.cal.speller.weight(w) for w in unit_words])
        lack = [g for w, g in zip(unit_words, gains, strict=True) if w in lacking]
        return (
            float(max(lack, default=0.0)),
            float(gains.max()),
            float((weights * gains).sum() / max(weights.sum(), 1e-9)),
        )


def values(units: list[tuple[str, float, float, float, float]], level: float) -> tuple[float, ...]:
    """FORMS for one question (no units: everything present)."""
    if not units:
        return 1.0, 1.0, 0.0, 1.0, 1.0
    total = sum(u[1] for u in units) or 1.0
    worst = min(u[2] for u in units)
    weighted = sum(u[1] * u[2] for u in units) / total
    missing = sum(u[1] for u in units if u[2] < level) / total
    near = min(u[3] for u in units)
    above = min(u[4] for u in units)
    return worst, weighted, missing, near, above


def qs(x: np.ndarray) -> str:
    """Quantiles 10, 25, 50, 75, 90 of a column."""
    return (
        " ".join(f"{v:.2f}" for v in np.quantile(x, (0.1, 0.25, 0.5, 0.75, 0.9))) if len(x) else "-"
    )


def labels_of(rows: list[Row]) -> np.ndarray:
    return np.array([r.on_topic for r in rows])


def auc(labels: np.ndarray, column: np.ndarray) -> str:
    from sklearn.metrics import roc_auc_score

    return f"{roc_auc_score(labels, column):.3f}" if len(set(labels)) == 2 else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="random columns of the noise band")
    parser.add_argument("--units", choices=("stop", "common"), default="stop")
    parser.add_argument(
        "--with-probe",
        action="store_true",
        help="also fit on the other corpora's generated probe (bench/semantic_probe.py)",
    )
    args = parser.parse_args()
    global UNIT
    if args.units == "common":
        UNIT = lambda w: w not in stop_words() and not is_common(w)  # noqa: E731
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows: list[Row] = []
    columns: list[tuple[float, ...]] = []
    scaled: list[tuple[float, ...]] = []
    cost: list[float] = []
    question_cost: list[float] = []
    ablations: list[np.ndarray] = []
    sentence_cols: list[np.ndarray] = []
    probes: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for name in ORDER:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        sets = read_sets(name)
        with contextlib.redirect_stdout(io.StringIO()):
            found, _ = score_corpus(name, sets)
        mine = [r for more in found.values() for r in more]
        m = Measurer(name)
        # The corpus's own level: the bundled off-topic questions' units on their passages.
        off = [m.units(q)[0] for q in off_topic_questions()]
        off_worst = [min(u[2] for u in us) for us in off if us]
        level = float(np.median(off_worst)) if off_worst else 0.0
        off_values = np.array([values(us, level) for us in off])
        print(
            f"\n{name}: {len(mine)} questions; off-topic level (median worst partner) {level:.3f}"
        )
        zero = np.median(off_values, axis=0)
        measured = [m.units(r.text) for r in mine]
        mine_values = np.array([values(us, level) for us, _ in measured])
        dropped = np.array([m.ablation(r.text) for r in mine])
        in_sentences = np.array([m.sentence_forms(r.text) for r in mine])
        sentence_cols.append(in_sentences)
        for i, form in enumerate(SENTENCE):
            print(f"  {form:<28} AUC {auc(labels_of(mine), in_sentences[:, i])}")
        ablations.append(dropped)
        for i, form in enumerate(ABLATION):
            col = dropped[:, i]
            print(f"  {form:<28} AUC {auc(labels_of(mine), -col)}")
        # Where it matters: among the questions the shipped weights answer (in-sample), do the
        # forms tell the off-topic ones from the on-topic ones, and the paraphrases?
        answered = np.array(
            [
                not r.measures.absent and calibration.decide(r.measures.features()) >= 0.5
                for r in mine
            ]
        )
        para = np.array([r.kind == "paraphrase" for r in mine])
        y = labels_of(mine)
        off_answered = answered & ~y
        print(
            f"  among the {int(answered.sum())} answered ({int(off_answered.sum())} off-topic), "
            "AUC on vs off / paraphrases vs off: "
            + "; ".join(
                f"{f} {auc(y[answered], sign * col[answered])} / "
                f"{auc(y[answered & (para | ~y)], sign * col[answered & (para | ~y)])}"
                for f, col, sign in (
                    *(
                        (f, mine_values[:, i], -1 if f == "missing" else 1)
                        for i, f in enumerate(FORMS)
                    ),
                    *((f, dropped[:, i], -1) for i, f in enumerate(ABLATION)),
                )
            )
        )
        if name == "roadmap-sh":
            for q in EXAMPLES:
                print(f"    {q!r}: gains " + ", ".join(f"{g:+.3f}" for g in m.ablation(q)))
        # On the corpus's scale: the off-topic questions' median at 0, all named (1, or 0 for
        # "missing") at 1.
        top = np.array([1.0, 1.0, 0.0, 1.0, 1.0])
        span = np.where(np.abs(top - zero) < 1e-6, 1.0, top - zero)
        rows += mine
        if args.with_probe:
            from bench.semantic_probe import probe_rows

            probes.append(probe_rows(m, name, level))
        columns += [tuple(v) for v in mine_values]
        scaled += [tuple(v) for v in (mine_values - zero) / span]
        labels = np.array([r.on_topic for r in mine])
        print(
            "  off-topic questions' medians: "
            + ", ".join(f"{f} {z:.3f}" for f, z in zip(FORMS, zero, strict=True))
        )
        for i, form in enumerate(FORMS):
            col = mine_values[:, i]
            sign = -1 if form == "missing" else 1
            print(
                f"  {form:<10} AUC {auc(labels, sign * col)}  on q10-q90 [{qs(col[labels])}]  "
                f"off [{qs(col[~labels])}]"
            )
        kinds = sorted({r.kind for r in mine})
        for kind in kinds:
            part = np.array([r.kind == kind for r in mine])
            print(
                f"    {kind:<12} n {int(part.sum()):4d} on {int(labels[part].sum()):4d}  worst "
                f"median {np.median(mine_values[part, 0]):.2f}  AUC worst "
                f"{auc(labels[part], mine_values[part, 0])}"
            )
        if name == "roadmap-sh":
            print("  worked examples (unit: presence / cosine to passage vector):")
            for q in EXAMPLES:
                us, _ = m.units(q)
                print(f"    {q!r}: " + ", ".join(f"{u[0]} {u[2]:.2f}/{u[3]:.2f}" for u in us))
        # Answered off-topic and refused on-topic questions of this corpus, by the base decision.
        wrong = [
            (r, us)
            for r, (us, _) in zip(mine, measured, strict=True)
            if r.on_topic
            != (r.measures.absent == "" and calibration.decide(r.measures.features()) >= 0.5)
        ]
        print(f"  wrong decisions of the shipped weights (in-sample): {len(wrong)}")
        for r, us in wrong[:40]:
            lacking = ", ".join(f"{u[0]} {u[2]:.2f}" for u in us if u[2] < 1.0)
            print(f"    {'on ' if r.on_topic else 'off'} {r.kind:<11} {r.text[:60]!r}: {lacking}")
        if name == "learning-paths":
            # The cost at query time: one encode call of a question's lacking units, beside
            # the encode of the question itself (alternating, 3 rounds, so load hits both).
            for _ in range(3):
                for r, (us, _) in zip(mine[:200], measured[:200], strict=True):
                    lacking = [u[0] for u in us if u[2] < 1.0]
                    if not lacking:
                        continue
                    t = time.perf_counter()
                    m.embedder.encode([r.text])
                    question_cost.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    m.embedder.encode(lacking)
                    cost.append((time.perf_counter() - t) * 1000)
    p = Pool(rows, np.zeros((len(rows), len(STATS))))
    raw = np.array(columns)
    on_scale = np.array(scaled)
    print("\nheld out (leave-one-corpus-out), right decisions of the fitted and READ sets:")
    p.line("baseline (Measures.features())", p.base)
    for i, form in enumerate(FORMS):
        p.line(f"+ {form}", np.column_stack([p.base, raw[:, i]]), new=1)
        p.line(f"+ {form}, on the corpus's scale", np.column_stack([p.base, on_scale[:, i]]), new=1)
    p.line(
        "+ worst and missing, on the scale", np.column_stack([p.base, on_scale[:, [0, 2]]]), new=2
    )
    dropped = np.concatenate(ablations)
    for i, form in enumerate(ABLATION):
        p.line(f"+ {form}", np.column_stack([p.base, dropped[:, i]]), new=1)
    in_sentences = np.concatenate(sentence_cols)
    for i, form in enumerate(SENTENCE):
        p.line(f"+ {form}", np.column_stack([p.base, in_sentences[:, i]]), new=1)
    if probes:
        from bench.semantic_probe import trained_with_probe

        trained_with_probe(p, probes, raw[:, 0], dropped[:, 0], in_sentences[:, 0])
    # The near-miss's conjunction: the passage names most of the question (coverage, as
    # Measures.features() counts it) AND a unit it lacks has no partner there.
    named = p.base[:, 3]
    p.line("+ (1 - worst) x coverage", np.column_stack([p.base, (1 - raw[:, 0]) * named]), new=1)
    p.line("+ drop gain (lacking) x coverage", np.column_stack([p.base, dropped[:, 0] * named]), 1)
    noise: list[int] = []
    for seed in range(args.seeds):
        column = np.random.default_rng(seed).normal(size=len(rows)) * 0.05
        with contextlib.redirect_stdout(io.StringIO()):
            answered = p.line("", np.column_stack([p.base, column]))
        noise.append(int((answered == p.y).sum()))
    print(f"  noise band, one random column ({args.seeds} seeds): {sorted(noise)}")
    if cost:
        print(
            f"\ncost: embedding a learning-paths question's lacking units (one encode call): "
            f"median {statistics.median(cost):.2f} ms; the question itself "
            f"{statistics.median(question_cost):.2f} ms ({len(cost)} timings)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
