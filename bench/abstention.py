"""Answer or abstain, and typos, on four corpora: before and after, on held-out questions.

    .venv/bin/python bench/abstention.py [--corpus roadmap-sh] [--show] [--variants]

For knowledge/ and ../shared/corpora/learning-paths, roadmap-sh and seeds (four messy web
articles) with their eval sets in bench/eval/, from one run, side by side:

- before: the question as typed, a fixed cosine threshold (Ranking.min_similarity, 0.33);
- after: typos corrected against the corpus (index/spelling.py) and the calibrated decision of
  index/calibration.py, its weights fitted LEAVE-ONE-CORPUS-OUT: a corpus's figures come from
  weights fitted on the other corpora's eval sets only. These are the results;
- the earlier calibrated decisions, fitted the same way, one line per corpus: the scale's zero
  at the off-topic questions for every question (no near-miss twins), and the twins without the
  leftover (index/leftover.py): before/after of each step in one run;
- per corpus and per question kind: questions, hit@5, MRR@10 (file level), abstention accuracy,
  on-topic questions refused and off-topic questions answered;
- the eval sets are the fitted ones (bench/eval/<corpus>.yaml) and the READ rounds' sets
  (fresh-, ..., fresh8-<corpus>.yaml: report-only once, scored and read many
  times since, so no longer blind); every corpus is scored held out on both. The weights are
  fitted on the fitted sets only, or on both (FIT_READ); both fits are printed side by side;
- the weights fitted on all corpora (what index/calibration.py ships), with their in-sample
  figures for reference only (a figure measured on the data it was fitted on is not a result);
- the blind report-only sets (REPORT_ONLY: bench/eval/<prefix><corpus>.yaml, never fitted on,
  their wrong decisions never listed) as tables of their own: with the held-out weights and
  with the shipped ones. A corpus with report-only questions only would be scored with the
  shipped weights;
- query p50 of `KnowledgeBase.ask` per corpus (goal <= 5 ms on learning-paths), against the
  previous path (no spelling, fixed threshold) timed alternately in the same run; without the
  takeaway line, whose cost bench/answer_height.py measures;
- with --variants, other forms of the same evidence fitted and scored the same way (shallow
  boosted trees, products and hinge terms, features recentred per corpus, raw signals of the
  ranking; bench/abstention_fit.py `variants`), beside a noise band of random columns.

The indexes live in bench/out/abstention (git-ignored); the corpora are read in place.

The history of the decision (every round of issue 12, its figures, and what was measured and
not kept) is in bench/abstention_rounds.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention_fit import (  # noqa: E402
    FIT_READ,
    PREVIOUS,
    Row,
    accuracy,
    answers,
    compare_fits,
    figures,
    fit,
    fitted,
    signals,
    table,
    variants,
)
from bench.retrieval import CORPORA as ALL_CORPORA  # noqa: E402
from bench.retrieval import Question, file_ranking, load_eval, model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import compose, rank  # noqa: E402
from index.bundled import off_topic_questions  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.documents import Answer, Hit  # noqa: E402
from index.leftover import Leftovers, PassageVectors  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402

# bench/retrieval.py's corpora, in the order this bench prints them.
ORDER = ("knowledge", "learning-paths", "roadmap-sh", "seeds")
CORPORA = {name: ALL_CORPORA[name] for name in ORDER}
# The report-only sets' rounds that have been scored and read (fresh8- once, at the end of
# round 11): no longer blind, scored beside the fitted sets (bench/eval/<prefix><corpus>.yaml).
READ = ("fresh-", "fresh2-", "fresh3-", "fresh4-", "fresh5-", "fresh6-", "fresh7-", "fresh8-")
# The blind report-only sets, by the prefix of their file name: never fitted on.
REPORT_ONLY: dict[str, str] = {
    "fresh9-": "FRESH9 (round 12: written before the twelfth round ran or tuned anything)"
}
OUT = ROOT / "bench" / "out" / "abstention"
GOALS = {"hit@5": 0.97, "MRR@10": 0.93, "abstention": 0.96, "query_p50_ms": 5.0}


def first_relevant(files: Sequence[str], relevant: frozenset[str]) -> int | None:
    return next((i for i, f in enumerate(files[:10]) if f in relevant), None)


def read_sets(name: str) -> dict[str, list[Question]]:
    """A corpus's fitted set ("") and its READ rounds' sets, by prefix; never the blind
    report-only sets (for benches that measure beside this one)."""
    sets: dict[str, list[Question]] = {}
    for prefix in ("", *READ):
        path = ROOT / "bench" / "eval" / f"{prefix}{name}.yaml"
        if path.exists():
            sets[prefix] = load_eval(path)[1]
    return sets


def score_corpus(
    name: str,
    sets: dict[str, list[Question]],
    refs: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[dict[str, list[Row]], tuple[float, float]]:
    """Every question of a corpus before and after, by the prefix of its set ("" for
    bench/eval/<corpus>.yaml), and the query p50 (ms) before and after over that set (over all
    its questions for a corpus without one). Given `refs` (--variants), `refs[name]` gets the
    features of its calibration questions: the bundled off-topic ones and its headings."""
    config = IndexConfig(
        (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
    )
    kb = asyncio.run(KnowledgeBase.open(config))
    snap, ranking, embedder = kb.snapshot, kb.ranking, kb.embedder
    cal = calibration.for_snapshot(snap, embedder, ranking, config.home)
    print(
        f"  {name}: {len(snap.chunks)} passages; calibration: off-topic questions at cosine "
        f"{cal.scale.off_topic:.3f}, its headings at {cal.scale.headings:.3f}",
        flush=True,
    )

    # Before round 8 the leftover's on-topic reference was the headings alone (the first rows).
    n_heads = len(calibration.headings(snap))
    rest = cal.leftovers
    headings_only = Leftovers(rest.off_topic, rest.twins, rest.on_topic[:n_heads])
    passages = PassageVectors(snap)

    def measured(text: str) -> tuple[calibration.Measures, list[Hit], np.ndarray]:
        checked = cal.check(text)
        query = query_vector(embedder, checked)
        ranked = rank(snap, query, checked.text, ranking, limit=50)
        return cal.measure(checked, ranked, query), ranked, query

    def scored(q: Question, source: str) -> Row:
        before = rank(snap, embedder.encode([q.text])[0], q.text, ranking, limit=50)
        checked = cal.check(q.text)
        measures, ranked, query = measured(q.text)
        return Row(
            name,
            q.kind,
            bool(q.relevant),
            first_relevant(file_ranking(before), q.relevant),
            first_relevant(file_ranking(ranked), q.relevant),
            calibration.best_cosine(before) >= ranking.min_similarity,
            measures,
            q.text,
            checked.text,
            source,
            headings_only.score(query, passages.vector(ranked[0].chunk.key) if ranked else None),
            signals(ranked),
        )

    if refs is not None:
        off = np.array([measured(t)[0].features() for t in off_topic_questions()])
        heads = np.array([measured(t)[0].features() for t in calibration.headings(snap)])
        refs[name] = off, heads

    rows = {prefix: [scored(q, prefix) for q in found] for prefix, found in sets.items()}
    timed = sets.get("") or [q for found in sets.values() for q in found]

    def ask_before(question: str) -> Answer:
        # The previous path: the question as typed, the fixed threshold.
        hits = rank(snap, embedder.encode([question])[0], question, ranking, limit=12)
        return compose(question, hits, snap, ranking, 3)

    async def latency() -> tuple[list[float], list[float]]:
        before: list[float] = []
        after: list[float] = []
        for _ in range(3):
            for q in timed:  # alternating, so that load from elsewhere hits both alike
                t = time.perf_counter()
                await asyncio.to_thread(ask_before, q.text)
                before.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                await kb.ask(q.text, takeaway=False)
                after.append((time.perf_counter() - t) * 1000)
        return before, after

    before, after = asyncio.run(latency())
    return rows, (statistics.median(before), statistics.median(after))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    parser.add_argument("--show", action="store_true", help="list every wrong decision")
    parser.add_argument(
        "--variants",
        action="store_true",
        help="also compare other forms of the same evidence, held out (issue 12 round 10)",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    rows: list[Row] = []  # the fitted sets and the READ rounds' sets
    report: dict[str, list[Row]] = {prefix: [] for prefix in REPORT_ONLY}  # never fitted on
    p50: dict[str, tuple[float, float]] = {}
    refs: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # --variants: calibration questions
    names = [n for n in CORPORA if not args.corpus or n in args.corpus]
    for name in names:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        sets: dict[str, list[Question]] = {}
        for prefix in ("", *READ, *REPORT_ONLY):
            path = ROOT / "bench" / "eval" / f"{prefix}{name}.yaml"
            if path.exists():
                corpus, sets[prefix] = load_eval(path)
                assert corpus == name, f"{path.name} is for {corpus}"
        found, p50[name] = score_corpus(name, sets, refs if args.variants else None)
        for prefix, more in found.items():
            if prefix in REPORT_ONLY:
                report[prefix] += more
            else:
                rows += more
    scored = list(dict.fromkeys(r.corpus for r in rows))
    if len(scored) < 2:
        print("leave-one-corpus-out needs at least two corpora with fitted sets")
        return 1
    shipped = fit(fitted(rows))
    # Held out: a corpus is scored with weights fitted on the other corpora's sets; a corpus
    # with report-only questions alone with the weights fitted on every fitted set.
    held_out = compare_fits(rows, scored)
    held_out.update({c: shipped for c in p50 if c not in held_out})
    table(rows, held_out)
    print(f"all fitted and read questions, held out: {accuracy(rows, held_out)}")
    for decision, what in PREVIOUS.items():
        print(f"\nthe earlier decision ({what}), held out:")
        for c in scored:
            weights = fit([r for r in fitted(rows) if r.corpus != c], decision)
            sub = [r for r in rows if r.corpus == c]
            answered = [answers(r, weights, decision) for r in sub]
            print(f"  {c:<15} {figures(sub, answered, after=True)}")
    for prefix, what in REPORT_ONLY.items():
        if not report[prefix]:
            continue
        print(
            f"\n{what}; bench/eval/{prefix}*.yaml, never fitted on. Weights fitted on the OTHER "
            "corpora's fitted sets (all of them for a corpus without one):"
        )
        table(report[prefix], held_out)
        print(f"{prefix}* sets, weights fitted on all fitted sets (what ships):")
        table(report[prefix], dict.fromkeys(held_out, shipped))
        for decision in PREVIOUS:
            every = fit(fitted(rows), decision)
            print(f"{prefix}*, the earlier decision ({decision}), weights fitted on all sets:")
            for c in dict.fromkeys(r.corpus for r in report[prefix]):
                sub = [r for r in report[prefix] if r.corpus == c]
                answered = [answers(r, every, decision) for r in sub]
                print(f"  {c:<15} {figures(sub, answered, after=True)}")
    weight_names = (
        "BIAS",
        "W_SCALED",
        "W_UNKNOWN",
        "W_LEFTOVER",
        "W_COVERAGE",
        "W_OFF_TOPIC_WORDS",
        "W_GIVEN",
        "W_NOT_GIVEN",
        "W_AGREEMENT",
    )
    current = tuple(getattr(calibration, n) for n in weight_names)
    print(
        f"\nweights fitted on all {'fitted and read' if FIT_READ else 'fitted'} sets (copy to "
        "index/calibration.py): "
        + ", ".join(f"{n} = {w:.2f}" for n, w in zip(weight_names, shipped, strict=True))
    )
    print(f"weights in index/calibration.py now: {current}")
    for c in scored:
        print(f"  held-out weights for {c}: " + ", ".join(f"{w:.2f}" for w in held_out[c]))
    print("in-sample with the shipped weights (reference only, not a result):")
    for c in scored:
        sub = [r for r in rows if r.corpus == c]
        print(f"  {c:<15} {figures(sub, [answers(r, current) for r in sub], after=True)}")
    for name, (ms_before, ms_after) in p50.items():
        target = f"(goal <= {GOALS['query_p50_ms']} ms)" if name == "learning-paths" else ""
        print(
            f"query p50 of ask on {name}: before {ms_before:.2f} ms, after {ms_after:.2f} ms, "
            f"ratio {ms_after / ms_before:.2f} {target}"
        )
    if args.variants:
        variants(rows, refs)
    if args.show:
        # The fitted and read sets only: the blind report-only sets' wrong decisions are not
        # listed, so that nobody tunes on them (bench/eval/README.md).
        print("\nwrong decisions (held out, fitted and read sets):")
        for r in rows:
            if answers(r, held_out[r.corpus]) != r.on_topic:
                what = "refused" if r.on_topic else "answered"
                fixed = f" -> {r.corrected!r}" if r.corrected != r.text else ""
                m = r.measures
                print(
                    f"  {r.corpus:<15} {r.source or 'fitted':<7} {what:<8} scaled "
                    f"{m.scaled:+.2f} against twins {m.features()[0]:+.2f} (twins "
                    f"{m.twin_similarity:.2f} alike at {m.twin_scaled:+.2f}) unknown "
                    f"{m.unknown_share:.2f} leftover {m.leftover:+.2f} coverage "
                    f"{m.coverage:.2f} off-topic words {m.off_topic_share:.2f} aspect "
                    f"{m.aspect.score:+.0f}  {r.text!r}{fixed}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
