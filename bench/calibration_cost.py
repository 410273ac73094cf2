"""What the calibration costs at a first build, with and without the detail sentences.

    .venv/bin/python bench/calibration_cost.py [--corpus learning-paths] [--runs 3]

`index.calibration.measure_scale` is what a first build (no calibration.json yet) adds to the
build; it asks the off-topic questions, the headings, the near-miss twins and, since issue 12's
eighth round, one sentence of up to 150 passages (index/detail_sentences.py) through the
ranking. This times it with the sentences and without them, alternately in one run so that load
from elsewhere hits both, on the index bench/abstention.py keeps in bench/out/abstention (built
there first if missing). Prints every run and the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA, OUT  # noqa: E402
from bench.retrieval import model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="learning-paths", choices=sorted(CORPORA))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    config = IndexConfig(
        (CORPORA[args.corpus].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
    )
    kb = asyncio.run(KnowledgeBase.open(config))
    snap, embedder, ranking = kb.snapshot, kb.embedder, kb.ranking
    speller = calibration.for_snapshot(snap, embedder, ranking, config.home).speller
    with_sentences = calibration.detail_sentences

    def timed(sentences: bool) -> float:
        calibration.detail_sentences = with_sentences if sentences else lambda _: []
        t = time.perf_counter()
        calibration.measure_scale(snap, embedder, ranking, speller)
        return time.perf_counter() - t

    seconds: dict[bool, list[float]] = {False: [], True: []}
    for run in range(args.runs):
        for sentences in (False, True):
            seconds[sentences].append(timed(sentences))
        print(f"run {run + 1}: without {seconds[False][-1]:.2f} s, with {seconds[True][-1]:.2f} s")
    calibration.detail_sentences = with_sentences
    before, after = (statistics.median(seconds[s]) for s in (False, True))
    n = len(with_sentences(snap))
    print(
        f"{args.corpus}: {len(snap.chunks)} passages, {n} detail sentences; calibration median "
        f"{before:.2f} s without them, {after:.2f} s with them (+{after - before:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
