"""The probe's cross-encoder as a veto on the answers, its level chosen on the other corpora (r. 12)

    .venv/bin/python bench/cross_encoder_veto.py [--epochs N]  # after cross_encoder_probe.py

bench/cross_encoder_probe.py's scores are not calibrated (one short epoch per model, a model per
held-out corpus), so a fixed probability cannot serve as a threshold. Read by rank, they are:
among the questions the shipped decision answers on a corpus, the lowest-scored share `q` is
refused. The share is taken of that corpus's own answered questions (no label of it is read:
what the running bot could know of its users' questions), and `q` is chosen leave-one-corpus-out:
the share that gives the most right decisions on the other three corpora (fitted and READ sets)
is applied to the held-out one. Printed: the chosen share and right decisions per held-out corpus
beside the shipped decision (held out too), and, for the record only (read on the same data, so
not a result), the right decisions of every share on each corpus.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.cross_encoder_probe as probe  # noqa: E402
from bench.cross_encoder_probe import HERE, load_logits  # noqa: E402
from bench.passage_scale import STATS, Pool  # noqa: E402

SHARES = tuple(round(0.01 * i, 2) for i in range(0, 16))  # written before the first run


def vetoed(answered: np.ndarray, prob: np.ndarray, share: float) -> np.ndarray:
    """The answers kept: those above the `share` quantile of the answered questions' scores."""
    if share == 0 or not answered.any():
        return answered
    level = np.quantile(prob[answered], share)
    return answered & (prob > level)


def main() -> int:
    if "--epochs" in sys.argv:  # the scores of bench/cross_encoder_probe.py --epochs N
        probe.EPOCHS = int(sys.argv[sys.argv.index("--epochs") + 1])
    with (HERE / "collect.pkl").open("rb") as f:
        rows, _, _ = pickle.load(f)
    logits = load_logits(len(rows))
    prob = 1 / (1 + np.exp(-np.nan_to_num(logits[:, 0], nan=-10.0)))
    p = Pool(rows, np.zeros((len(rows), len(STATS))))
    base, _ = p.held_out(p.base)
    right: dict[str, dict[float, int]] = {}
    for c in p.corpora:
        m = p.corpus == c
        right[c] = {
            q: int((vetoed(base[m], prob[m], q) == p.y[m]).sum()) for q in SHARES
        }  # fmt: skip
    total = (0, 0)
    print("held out: the share chosen on the other corpora, right decisions (shipped -> veto)")
    for c in p.corpora:
        others = [o for o in p.corpora if o != c]
        chosen = max(SHARES, key=lambda q: (sum(right[o][q] for o in others), -q))
        total = (total[0] + right[c][0.0], total[1] + right[c][chosen])
        n = int((p.corpus == c).sum())
        print(f"  {c:<15} share {chosen:.2f}: {right[c][0.0]} -> {right[c][chosen]} of {n}")
    print(f"  {'all':<15} {total[0]} -> {total[1]} of {len(rows)}")
    print("for the record (every share on each corpus; read, not held out):")
    for c in p.corpora:
        print(f"  {c:<15} " + " ".join(f"{q:.2f}:{right[c][q]}" for q in SHARES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
