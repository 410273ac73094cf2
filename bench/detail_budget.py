"""Issue 12 round 11c: how many detail sentences the leftover's on-topic reference should hold.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/detail_budget.py --variant spread150 -- --show \
        | python3 /tmp/hide_fresh.py
    HF_HUB_OFFLINE=1 .venv/bin/python bench/detail_budget.py --variant spread150 --cost \
        -- --corpus seeds --runs 7

Today (index/detail_sentences.py) the reference takes ONE sentence of each of up to 150 passages:
on seeds (29 long passages) that is about 25 sentences. The variants, each run through
bench/abstention.py (everything after `--` is passed to it; with `--cost`, to
bench/calibration_cost.py instead) with `index.calibration.detail_sentences` and the cache key
swapped, so the calibration is measured again for the variant and nothing in index/ changes:

- `today`: what index/detail_sentences.py ships (a control: reproduces the plain bench);
- `spreadN`: N sentences in all, several of each passage when the corpus has fewer than N
  passages (N // passages each, evenly spread over the passage's sentences); one of each of up
  to N passages otherwise, as today;
- `flatN`: one sentence of each of up to N passages (today's rule with another budget).

The figures and the decision (none kept) are in bench/abstention_rounds.md, "Round 11, detail
sentences on a small corpus".
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import calibration, detail_sentences  # noqa: E402

if TYPE_CHECKING:
    from index.snapshot import Snapshot

_VARIANT = re.compile(r"(today|spread|flat)(\d*)$")


def variant(budget: int, spread: bool) -> Callable[[Snapshot], list[str]]:
    """Up to `budget` detail sentences; with `spread`, several of each passage of a corpus of
    fewer than `budget` passages."""

    def chosen(snapshot: Snapshot) -> list[str]:
        chunks = sorted(snapshot.chunks, key=lambda c: c.key)
        step = max(1, len(chunks) // budget)
        per = max(1, budget // len(chunks)) if chunks and spread else 1
        found = [s for c in chunks[::step] for s in detail_sentences.sentences(c.embed_text, per)]
        return found[:budget]

    return chosen


def main() -> int:
    """Swap the detail sentences for the variant and run the abstention (or cost) bench."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", default="today", help="today, spreadN or flatN")
    parser.add_argument("--cost", action="store_true", help="run bench/calibration_cost.py")
    parser.add_argument("rest", nargs="*", help="arguments of the bench run (after --)")
    args = parser.parse_args()
    found = _VARIANT.match(args.variant)
    if found is None or (found[1] != "today" and not found[2]):
        parser.error("--variant is today, spreadN or flatN (N a number of sentences)")
    if found[1] != "today":
        calibration.detail_sentences = variant(int(found[2]), found[1] == "spread")
        # The calibration cache is keyed by this string: a variant is measured, not reloaded.
        calibration.DETAIL_KEY = f"{detail_sentences.KEY} variant {args.variant}"
    if args.cost:
        from bench import calibration_cost as bench
    else:
        from bench import abstention as bench  # type: ignore[no-redef]
    sys.argv = [bench.__file__, *args.rest]
    return bench.main()


if __name__ == "__main__":
    raise SystemExit(main())
