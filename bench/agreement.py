"""Issue 12 round 11b: do the dense and lexical rankers and the best passages agree?

    .venv/bin/python bench/agreement.py

The probe: every question of bench/abstention.py (the fitted sets and the READ rounds, four
corpora), scored leave-one-corpus-out exactly as there (weights fitted on the other corpora's
fitted sets), with the decision's features without index/agreement.py's column, with it
(what ships), and with each other form of the evidence measured instead of it, raw and placed
on each corpus's own scale (0 at the mean of its bundled off-topic questions, 1 at the mean of
its headings asked as questions, as the calibration asks them). Beside them, 30 columns of
random numbers: a gain inside their band is noise. Deterministic (the noise is seeded). Last,
the per-question cost of the kept form (median over every question asked, calibration included).
The figures and what was kept: bench/abstention_rounds.md, "Round 11, ranker agreement".
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import abstention  # noqa: E402
from bench.abstention_fit import FEATURES, Row, _logistic, held_out  # noqa: E402
from bench.retrieval import load_eval  # noqa: E402
from index import calibration  # noqa: E402
from index.agreement import agreement, files_by  # noqa: E402
from index.answer import rank  # noqa: E402
from index.bundled import off_topic_questions  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.documents import Hit  # noqa: E402
from index.leftover import PassageVectors  # noqa: E402

NAMES = (
    "closest file among BM25's best 3 files (ships)",
    "the rankers' best files are the same",
    "same-file share of the best 5",
    "mean pairwise cosine of the best 5",
    "rank correlation cosine/BM25 over 10",
    "distinct files among the best 5",
    "closest file among BM25's best 2 files",
    "closest file among BM25's best 5 files",
    "BM25's best file among the closest 3 files",
)
_state: dict[str, Any] = {}


def candidates(hits: Sequence[Hit]) -> tuple[float, ...]:
    """Each form of NAMES for one question's ranked hits."""
    passages: PassageVectors = _state["passages"]
    top = list(hits[:10])
    if not top:
        return (0.0,) * len(NAMES)
    dense, lexical = files_by(top, "dense"), files_by(top, "lexical")
    first = top[0].chunk.citation.source
    found = [passages.vector(h.chunk.key) for h in top[:5]]
    m = np.asarray([v for v in found if v is not None], dtype=np.float32)
    pairs = (m @ m.T).sum() - np.trace(m @ m.T) if len(m) > 1 else 0.0
    order_d = np.argsort(np.argsort([-h.dense for h in top], kind="stable"))
    order_l = np.argsort(np.argsort([-h.lexical for h in top], kind="stable"))
    varied = len(top) > 2 and len({h.lexical for h in top}) > 1
    start = time.perf_counter()
    agrees = agreement(hits)
    _state.setdefault("us", []).append((time.perf_counter() - start) * 1e6)
    return (
        agrees,
        float(bool(lexical) and dense[0] == lexical[0]),
        sum(h.chunk.citation.source == first for h in top[1:5]) / max(1, len(top[1:5])),
        float(pairs / (len(m) * (len(m) - 1))) if len(m) > 1 else 0.0,
        float(np.corrcoef(order_d, order_l)[0, 1]) if varied else 0.0,
        (len(files_by(top[:5], "dense")) - 1) / 4,
        float(dense[0] in lexical[:2]),
        float(dense[0] in lexical[:5]),
        float(bool(lexical) and lexical[0] in dense[:3]),
    )


_for_snapshot = calibration.for_snapshot


def for_snapshot(snapshot: Any, embedder: Any, ranking: Any, *args: Any) -> Any:
    """The calibration, and the candidates of the corpus's off-topic questions and headings."""
    cal = _for_snapshot(snapshot, embedder, ranking, *args)
    _state["passages"] = PassageVectors(snapshot)

    def asked(texts: Sequence[str]) -> np.ndarray:
        out = []
        for t in texts:
            checked = cal.check(t)
            q = query_vector(embedder, checked)
            out.append(candidates(rank(snapshot, q, checked.text, ranking, limit=50)))
        return np.array(out)

    _state["ref"] = asked(off_topic_questions()), asked(calibration.headings(snapshot))
    return cal


def _decisions(rows: Sequence[Row], x: np.ndarray) -> np.ndarray:
    """Each row's answer, by a logistic fit on the other corpora's fitted sets (as `held_out`)."""
    corpus = np.array([r.corpus for r in rows])
    train = np.array([not r.source for r in rows])
    y = np.array([r.on_topic for r in rows])
    absent = np.array([bool(r.measures.absent) for r in rows])
    said = np.zeros(len(rows), dtype=bool)
    for c in dict.fromkeys(corpus):
        model = _logistic()().fit(x[(corpus != c) & train], y[(corpus != c) & train])
        said[corpus == c] = model.predict_proba(x[corpus == c])[:, 1] >= 0.5
    return said & ~absent


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    abstention.signals = candidates  # type: ignore[assignment]
    calibration.for_snapshot = for_snapshot  # type: ignore[assignment]
    rows: list[Row] = []
    refs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in abstention.ORDER:
        sets = {}
        for prefix in ("", *abstention.READ):
            path = ROOT / "bench" / "eval" / f"{prefix}{name}.yaml"
            if path.exists():
                _, sets[prefix] = load_eval(path)
        found, _ = abstention.score_corpus(name, sets)
        refs[name] = _state["ref"]
        for more in found.values():
            rows += more
    x = np.array([r.measures.features() for r in rows])
    base = np.delete(x, FEATURES.index("agreement"), axis=1)
    s = np.array([r.signals for r in rows])
    placed = np.zeros_like(s)
    for name, (off, heads) in refs.items():
        mine = np.array([r.corpus == name for r in rows])
        lo, hi = off.mean(axis=0), heads.mean(axis=0)
        placed[mine] = (s[mine] - lo) / np.where(np.abs(hi - lo) > 1e-6, hi - lo, 1.0)
        print(f"  {name}: off-topic mean {np.round(lo, 2)}, headings mean {np.round(hi, 2)}")
    corpora = list(dict.fromkeys(r.corpus for r in rows))
    n = {c: sum(r.corpus == c for r in rows) for c in corpora}
    on = np.array([r.on_topic for r in rows])

    def line(label: str, columns: np.ndarray) -> None:
        right = held_out(rows, columns, _logistic())
        per = "  ".join(f"{c} {right[c]}/{n[c]}" for c in corpora)
        print(f"  {label:<58} {sum(right.values())}/{len(rows)}  {per}", flush=True)

    print("\nheld out (leave-one-corpus-out), right decisions:")
    line("without the agreement", base)
    for i, name in enumerate(NAMES):
        print(f"  [{name}] mean on-topic {s[on, i].mean():.3f}, off-topic {s[~on, i].mean():.3f}")
        line(f"+ {name}, raw", np.column_stack([base, s[:, i]]))
        line(f"+ {name}, on the corpus's scale", np.column_stack([base, placed[:, i]]))
    print("\nper corpus and kind, right decisions held out: without -> with the agreement")
    without, with_it = _decisions(rows, base), _decisions(rows, np.column_stack([base, s[:, 0]]))
    for c in corpora:
        for kind in sorted({r.kind for r in rows if r.corpus == c}):
            idx = [i for i, r in enumerate(rows) if r.corpus == c and r.kind == kind]
            b = sum(without[i] == on[i] for i in idx)
            a = sum(with_it[i] == on[i] for i in idx)
            print(f"  {c:<15} {kind:<11} {len(idx):>4}: {b:>4} -> {a:>4}")
    rng = np.random.default_rng(0)
    noise = []
    for i in range(30):
        column = (rng.normal(size=len(rows)), rng.random(len(rows)), rng.random(len(rows)) < 0.3)
        noise.append(
            sum(held_out(rows, np.column_stack([base, column[i % 3]]), _logistic()).values())
        )
    band = f"{min(noise)} .. {max(noise)} (median {np.median(noise):.0f})"
    print(f"  + a random column, 30 draws: {band}")
    print(
        f"cost of index/agreement.py per question: median {statistics.median(_state['us']):.1f} µs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
