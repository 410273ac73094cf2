"""A generated near-miss probe for semantic presence (round 12): fit on the eval sets, report here.

    .venv/bin/python bench/semantic_probe.py

The lists below were written before anything was measured on them. Per corpus, from passages
drawn with `random.Random(PROBE_SEED)`, two kinds of question are built from one template, so
that they differ in one unit only:

- near-miss (off-topic): the passage's subject (the last part of its heading trail) and a
  FEATURE of NEAR_MISS the passage never names (no word of the same stem), preferring one the
  corpus uses elsewhere (the hard case: no unknown word to tell it);
- fair paraphrase (on-topic): the same subject and the EVERYDAY wording of a term of PARAPHRASES
  the passage does use ("spread" for a passage on variance), the everyday word itself not in it.

First the brief's premise, unit by unit on the passage the question was built from: the best
cosine of the asked unit (embedded alone) to the passage's own words (embedded alone), near-miss
features against paraphrase words (their quantiles and AUC). Then whole questions, ranked as
`Calibration.measure` ranks them: the forms of bench/semantic_presence.py, and the decision. The
decision's weights are fitted on the four corpora's FITTED eval sets (bench/eval/<corpus>.yaml),
with and without each form as one more column, and reported on this probe only (right
decisions per corpus; the named-technology rule applied). Nothing here is tuned on the probe.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.semantic_presence as presence  # noqa: E402
from bench.abstention import CORPORA, ORDER, score_corpus  # noqa: E402
from bench.passage_scale import Pool  # noqa: E402
from bench.retrieval import load_eval  # noqa: E402
from index.answer import rank  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.spelling import is_common, stems, words  # noqa: E402

PROBE_SEED = 12
PER_KIND = 60  # questions of each kind per corpus (fewer when the corpus has fewer passages)
TEMPLATES = (
    "how does {s} deal with {u}",
    "{u} in {s}",
    "what about {u} when using {s}",
    "how do I handle {u} with {s}",
)
# Features and operations of tools (written before measuring).
NEAR_MISS = (
    "locking", "rebalancing", "autoscaling", "resharding", "healthchecks", "snapshots",
    "vacuuming", "compaction", "sharding", "failover", "throttling", "tracing", "partitioning",
    "memoization", "hydration", "debouncing", "sidecars", "tombstones", "backpressure", "quorum",
    "replication", "eviction", "checkpointing", "sandboxing", "obfuscation", "minification",
    "profiling", "localization", "pagination", "deadlocks",
)  # fmt: skip
# (a term a passage may use, how a learner might say it in everyday words), written before
# measuring.
PARAPHRASES = (
    ("variance", "spread"), ("latency", "delay"), ("throughput", "speed"),
    ("authentication", "login"), ("encryption", "scrambling"), ("dependencies", "requirements"),
    ("deploy", "ship"), ("rollback", "undo"), ("configuration", "settings"),
    ("vulnerability", "weakness"), ("permissions", "rights"), ("concurrency", "parallelism"),
    ("cache", "stash"), ("query", "lookup"), ("error", "mistake"), ("function", "routine"),
    ("optimize", "tune"), ("monitor", "watch"), ("memory", "ram"), ("storage", "disk"),
    ("install", "setup"), ("validate", "check"), ("compress", "shrink"), ("reduce", "squash"),
    ("duplicate", "copy"), ("delete", "remove"), ("merge", "combine"), ("sort", "order"),
    ("filter", "sift"), ("debug", "troubleshoot"), ("performance", "speed"),
    ("scalability", "growth"), ("security", "safety"), ("backup", "spare"),
)  # fmt: skip


def subject(embed_text: str) -> str:
    """The last part of a passage's heading trail (its first line)."""
    return embed_text.partition("\n")[0].split("›")[-1].strip()


def build(m: presence.Measurer, rng: random.Random) -> list[tuple[str, bool, str, str]]:
    """(question, on-topic, unit, passage key) for one corpus."""
    chunks = sorted(m.snap.chunks, key=lambda c: c.key)
    rng.shuffle(chunks)
    near: list[tuple[str, bool, str, str]] = []
    fair: list[tuple[str, bool, str, str]] = []
    for chunk in chunks:
        s = subject(chunk.embed_text)
        if not 1 <= len(words(s)) <= 4:
            continue
        used, _ = m.passage(chunk.key, chunk.lexical_text)
        template = rng.choice(TEMPLATES)
        if len(near) < PER_KIND:
            lacking = [f for f in NEAR_MISS if stems([f])[0] not in used]
            known = [f for f in lacking if m.cal.speller.knows(f)]
            if lacking:
                f = rng.choice(known or lacking)
                near.append((template.format(s=s, u=f), False, f, chunk.key))
        if len(fair) < PER_KIND:
            fits = [
                y for x, y in PARAPHRASES if stems([x])[0] in used and stems([y])[0] not in used
            ]
            if fits:
                y = rng.choice(fits)
                fair.append((template.format(s=s, u=y), True, y, chunk.key))
        if len(near) == len(fair) == PER_KIND:
            break
    return near + fair


def unit_presence(m: presence.Measurer, unit: str, key: str, above: bool = False) -> float:
    """The unit's best cosine to the words of the passage it was asked about (minus its usual
    level in this corpus if `above`)."""
    chunk = next(c for c in m.snap.chunks if c.key == key)
    _, own = m.passage(key, chunk.lexical_text)
    mine = m.vectors([unit])
    found = float((mine @ m.vectors(own).T).max()) if own else 0.0
    return found - float(m.usual([unit])[0]) if above else found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", choices=("stop", "common"), default="common")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.units == "common":
        presence.UNIT = lambda w: w not in presence.stop_words() and not is_common(w)
    from sklearn.linear_model import LogisticRegression

    train_x: list[tuple[float, ...]] = []
    train_y: list[bool] = []
    train_new: list[tuple[float, ...]] = []
    probe: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for name in ORDER:
        if not CORPORA[name].exists():
            continue
        m = presence.Measurer(name)
        rng = random.Random(PROBE_SEED)
        questions = build(m, rng)
        fitted_set = load_eval(ROOT / "bench" / "eval" / f"{name}.yaml")[1]
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            found, _ = score_corpus(name, {"": fitted_set})
        rows = found[""]
        train_x += [r.measures.features() for r in rows]
        train_y += [r.on_topic for r in rows]
        train_new += [forms(m, r.text) for r in rows]
        near_p = [unit_presence(m, u, k) for _, on, u, k in questions if not on]
        fair_p = [unit_presence(m, u, k) for _, on, u, k in questions if on]
        q = lambda x: " ".join(f"{v:.2f}" for v in np.quantile(x, (0.1, 0.5, 0.9)))  # noqa: E731
        labels = np.array([on for _, on, _, _ in questions])
        both = np.array([*fair_p, *near_p])
        print(
            f"{name}: {len(near_p)} near-miss, {len(fair_p)} paraphrase questions; unit presence "
            f"in its own passage q10/50/90: near-miss [{q(near_p)}], paraphrase [{q(fair_p)}], "
            f"AUC {presence.auc(np.array([True] * len(fair_p) + [False] * len(near_p)), both)}"
        )
        near_a = [unit_presence(m, u, k, True) for _, on, u, k in questions if not on]
        fair_a = [unit_presence(m, u, k, True) for _, on, u, k in questions if on]
        labels_u = np.array([True] * len(fair_a) + [False] * len(near_a))
        print(
            "  the same above the unit's usual level (bench/semantic_presence.py `usual`): AUC "
            f"{presence.auc(labels_u, np.array([*fair_a, *near_a]))}"
        )
        x, new = [], []
        for text, _, _, _ in questions:
            checked = m.cal.check(text)
            query = query_vector(m.embedder, checked)
            hits = rank(m.snap, query, checked.text, m.ranking, limit=50)
            measures = m.cal.measure(checked, hits, query)
            x.append((*measures.features(), float(bool(measures.absent))))
            new.append(forms(m, text))
        xs, news = np.array(x), np.array(new)
        for i, form in enumerate(FORM_NAMES):
            print(f"  {form:<30} AUC (question, ranked) {presence.auc(labels, news[:, i])}")
        probe[name] = (xs[:, :-1], xs[:, -1] > 0, news, labels)
        for text, on, _, _ in questions[:: max(1, len(questions) // 8)]:
            print(f"    {'fair' if on else 'near'} {text!r}")
    x_train, y_train, n_train = np.array(train_x), np.array(train_y), np.array(train_new)
    print(
        "\nfitted on the four fitted eval sets, reported on the probe (right: near-miss refused /"
        " paraphrases answered):"
    )
    for label, cols in (("baseline", None), *((f"+ {f}", i) for i, f in enumerate(FORM_NAMES))):
        xt = x_train if cols is None else np.column_stack([x_train, n_train[:, cols]])
        model = LogisticRegression(C=10.0, max_iter=5000).fit(xt, y_train)
        parts = []
        total = 0
        for name, (xs, absent, news, labels) in probe.items():
            xp = xs if cols is None else np.column_stack([xs, news[:, cols]])
            answered = (model.decision_function(xp) >= 0) & ~absent
            near_ok = int((~answered & ~labels).sum())
            fair_ok = int((answered & labels).sum())
            total += near_ok + fair_ok
            parts.append(
                f"{name[:8]} {near_ok}/{int((~labels).sum())} {fair_ok}/{int(labels.sum())}"
            )
        print(f"  {label:<30} {total:4d}  " + "  ".join(parts))
    return 0


def probe_rows(
    m: presence.Measurer, name: str, level: float
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The generated probe of bench/semantic_probe.py for one corpus: (corpus, features of
    `Measures.features()`, absent-technology flags, the three new columns compared, labels)."""
    questions = build(m, random.Random(PROBE_SEED))
    x, absent, new = [], [], []
    for text, _, _, _ in questions:
        checked = m.cal.check(text)
        query = query_vector(m.embedder, checked)
        hits = rank(m.snap, query, checked.text, m.ranking, limit=50)
        measures = m.cal.measure(checked, hits, query)
        x.append(measures.features())
        absent.append(bool(measures.absent))
        new.append(
            (
                presence.values(m.units(text)[0], level)[0],
                m.ablation(text)[0],
                m.sentence_forms(text)[0],
            )
        )
    labels = np.array([on for _, on, _, _ in questions])
    return name, np.array(x), np.array(absent), np.array(new), labels


def trained_with_probe(
    p: Pool,
    probes: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    *columns: np.ndarray,
) -> None:
    """Leave-one-corpus-out with the OTHER corpora's generated probe questions added to the
    fitted sets they are trained on; scored on the held-out corpus's fitted and READ sets."""
    from sklearn.linear_model import LogisticRegression

    names = ("worst", "drop gain, lacking units", "best sentence")
    for label, pick in (("no new column", None), *((n, i) for i, n in enumerate(names))):
        answered = np.zeros(len(p.y), dtype=bool)
        for c in p.corpora:
            train = (p.corpus != c) & p.fitted
            xs = p.base[train] if pick is None else np.column_stack([p.base, columns[pick]])[train]
            ys = p.y[train]
            for name, px, _, pnew, plab in probes:
                if name != c:
                    extra = px if pick is None else np.column_stack([px, pnew[:, pick]])
                    xs, ys = np.vstack([xs, extra]), np.concatenate([ys, plab])
            model = LogisticRegression(C=10.0, max_iter=5000).fit(xs, ys)
            mine = p.corpus == c
            xm = p.base[mine] if pick is None else np.column_stack([p.base, columns[pick]])[mine]
            answered[mine] = (model.decision_function(xm) >= 0) & ~p.absent[mine]
        ok = answered == p.y
        per = " ".join(
            f"{c[:8]:<8} {int(ok[p.corpus == c].sum()):4d}/{int((p.corpus == c).sum()):<4}"
            for c in p.corpora
        )
        print(f"  trained with the probe too, {label:<28} {int(ok.sum()):5d}  {per}")


FORM_NAMES = (*presence.FORMS, *presence.ABLATION, *presence.SENTENCE)


def forms(m: presence.Measurer, text: str) -> tuple[float, ...]:
    """Each form of bench/semantic_presence.py for one question, higher = more covered (the
    level of "missing" is the corpus's median, as there: here a fixed 0.4, their common value)."""
    units, _ = m.units(text)
    worst, weighted, missing, near, above = presence.values(units, 0.4)
    drops = m.ablation(text)
    return (worst, weighted, -missing, near, above, *(-d for d in drops), *m.sentence_forms(text))


if __name__ == "__main__":
    raise SystemExit(main())
