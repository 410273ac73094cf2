"""Cold builds of this checkout against a git revision, alternated in one run (issue 13).

    python bench/build_compare.py [--base REV] [--copies 8] [--runs 3] [--keep DIR] [--models DIR]

The docs tree is the one `bench/scale.py` generates (`--copies` distinct copies of the shared
learning-paths corpus, or of `knowledge/`). The revision's `index/` is exported with `git
archive`; each build runs in a fresh process on an empty index folder with the model exported
beforehand, old and new alternately, so a load that comes and goes on a shared machine hits
both. Prints every run and the medians: wall seconds of `KnowledgeBase.open` (build and
calibration) and peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import scale  # noqa: E402


def child(code: Path, knowledge: Path, data: Path, models: Path) -> dict[str, Any]:
    """One cold build with the `index` package under `code` (first on sys.path)."""
    sys.path.insert(0, str(code))
    import index

    assert Path(index.__file__).resolve().is_relative_to(code.resolve()), index.__file__
    result = scale.child_build(knowledge, data, models)
    return {"seconds": result["seconds"], "chunks": result["chunks"], "rss_mb": result["rss_mb"]}


def _run(code: Path, knowledge: Path, data: Path, models: Path) -> dict[str, Any]:
    shutil.rmtree(data, ignore_errors=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(code))
    argv = [sys.executable, __file__, "--child", str(code), str(knowledge), str(data), str(models)]
    return scale.run_json(argv, env, f"build with {code}")


def main(argv: list[str] | None = None) -> int:
    """Alternate cold builds of `--base` and this checkout; print runs and medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="HEAD~1", help="git revision to compare against")
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--models", type=Path, default=REPO / "data" / "index" / "models", help="ONNX exports"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*map(Path, args.child))))
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="build-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = scale.CORPUS if scale.CORPUS.exists() else REPO / "knowledge"
        tree = work / f"x{args.copies}"
        if not tree.exists():  # kept from an earlier run with --keep: reused
            tree = scale.generate(source, tree, args.copies)
        base = work / "base"
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.base, "index"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        models = args.models
        scale._child("export", models, models=models)  # exported once for both (if not yet)
        codes = {f"base {args.base}": base, "this checkout": REPO}
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
        for run in range(args.runs):
            for name, code in codes.items():
                result = _run(code, tree, work / "data", models)
                load = os.getloadavg()[0]
                print(
                    f"run {run + 1} {name:>22}: {result['seconds']:7.2f} s, "
                    f"{result['rss_mb']:5.0f} MB, {result['chunks']} chunks (load {load:.2f})",
                    flush=True,
                )
                results[name].append(result)
        print(f"\ncold build of x{args.copies}, medians of {args.runs} (alternated):")
        for name, runs in results.items():
            seconds = statistics.median(r["seconds"] for r in runs)
            rss = statistics.median(r["rss_mb"] for r in runs)
            print(f"  {name:>22}: {seconds:7.2f} s, peak RSS {rss:5.0f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    if status == 0 and "--child" not in sys.argv:
        print(f"({time.perf_counter() - started:.0f} s)")
    sys.exit(status)
