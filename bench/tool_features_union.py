"""Issue 12 round 12 (branch features12b): the first list of named features alone against the
union with a second list written independently (bench/tool_features_more.txt), in one run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/tool_features_union.py | python3 /tmp/hide_fresh.py

Scores the fitted sets and the READ rounds of bench/abstention.py (never the blind report-only
sets), leave-one-corpus-out: each corpus with weights fitted on the other corpora's fitted sets.
Prints, per corpus and per question kind, the abstention accuracy of
- "without": the shipped decision, the named-feature rule ignored;
- "first": the rule with index/tool_features.txt alone (what main shipped);
- "union": the rule with both lists (measured, not kept: the bot reads the first list only);
then every question on which a name of the second list fires and the first's does not, on-topic
and off-topic, with the name and its set, so the lines removed after measuring can be named; and
the removal itself held out: the second list's names that fire on an on-topic question of one
half (the fitted sets, or the READ sets) removed, the union scored on the other half.

    --more PATH   the second list from PATH instead of bench/tool_features_more.txt
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention import CORPORA, OUT, read_sets, score_corpus  # noqa: E402
from bench.abstention_fit import Row  # noqa: E402
from bench.retrieval import model_path  # noqa: E402
from bench.tool_features import fit, line, print_by_kind, without  # noqa: E402
from index import tool_features as tf  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402

# index/tool_features.py joins the package folder with each name: an absolute path is that path.
MORE = ROOT / "bench" / "tool_features_more.txt"
if "--more" in sys.argv:
    MORE = Path(sys.argv[sys.argv.index("--more") + 1])
LISTS = {"first": ("tool_features.txt",), "more": (str(MORE.resolve()),)}


def named_by(name: str, rows: list[Row]) -> dict[str, list[str]]:
    """For each list, the name it fires on in each of the corpus's rows ("" when none)."""
    config = IndexConfig(
        (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
    )
    lexical = asyncio.run(KnowledgeBase.open(config)).snapshot.lexical
    out: dict[str, list[str]] = {}
    for label, (file,) in LISTS.items():
        named = tf.NamedFeatures(lexical, tf.tool_features(file))
        out[label] = [named.named((r.corrected, r.text)) for r in rows]
    return out


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows: list[Row] = []
    first: list[str] = []
    more: list[str] = []
    for name in CORPORA:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        sets = read_sets(name)
        found, (_, p50) = score_corpus(name, sets)
        mine = [r for more_rows in found.values() for r in more_rows]
        fired = named_by(name, mine)
        rows += mine
        first += fired["first"]
        more += fired["more"]
        print(f"  query p50 of ask on {name}: {p50:.2f} ms")

    corpora = list(dict.fromkeys(r.corpus for r in rows))
    held = {c: fit([r for r in rows if r.corpus != c and not r.source], False) for c in corpora}
    base = [without(r, held[r.corpus]) for r in rows]
    said = {
        "without": base,
        "first": [b and not f for b, f in zip(base, first, strict=True)],
        "union": [b and not (f or m) for b, f, m in zip(base, first, more, strict=True)],
    }
    print_by_kind(rows, said, corpora)
    print("\nwhere the second list fires and the first does not:")
    for c in corpora:
        idx = [i for i, r in enumerate(rows) if r.corpus == c and more[i] and not first[i]]
        on = [i for i in idx if rows[i].on_topic]
        gained = [i for i in idx if not rows[i].on_topic and said["first"][i]]
        print(
            f"  {c:<15} on-topic {len(on)}, off-topic {len(idx) - len(on)} "
            f"(newly refused {len(gained)})"
        )
        for i in idx:
            kind = "on-topic " if rows[i].on_topic else "off-topic"
            note = "" if rows[i].on_topic or said["first"][i] else " (already refused)"
            where = rows[i].source or "fitted"
            print(f"    {kind}: {rows[i].text!r} names {more[i]!r} [{where}]{note}")

    print("\nthe removal held out: names firing on an on-topic question of one half removed:")
    halves = {"fitted": [not r.source for r in rows], "READ": [bool(r.source) for r in rows]}
    for tuned, in_tuned in halves.items():
        cut = {
            m
            for r, m, f, t in zip(rows, more, first, in_tuned, strict=True)
            if t and r.on_topic and m and not f
        }
        kept = [m if m not in cut else "" for m in more]
        pruned = [b and not (f or m) for b, f, m in zip(base, first, kept, strict=True)]
        idx = [i for i, t in enumerate(in_tuned) if not t]
        other = [rows[i] for i in idx]
        print(
            f"  removed on {tuned} ({len(cut)}: {', '.join(sorted(cut)) or '-'}), "
            f"scored on the other {len(idx)}:"
        )
        for way, answers in (
            ("without", base),
            ("first", said["first"]),
            ("union as written", said["union"]),
            ("union, removed", pruned),
        ):
            print(f"    {way:<17} {line(other, [answers[i] for i in idx])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
