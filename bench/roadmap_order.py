"""Roadmap-aware answers (issue 14): is the right module cited first, and what else fires?

    .venv/bin/python bench/roadmap_order.py [--show]

bench/eval/order.yaml holds order questions of our own over the roadmaps of knowledge/ ("what
comes after ML Fundamentals", "where do I start with data science"), each with the module whose
roadmap passage must come first. Every question is asked through `KnowledgeBase.ask`, as the
bot and the terminal ask it, with and without the order hook (index/roadmap_order.py), in one
run. Figures:

- accuracy of the first cited module, on the `tune` half (the patterns were tuned on it) and
  on the `held-out` half (written at the same time, before the patterns; the result);
- false triggers: the non-order questions of bench/eval/knowledge.yaml and
  learning-paths.yaml (asked over knowledge/, where the roadmaps are) whose answer the hook
  changed. Zero means their answers are exactly what they were without it. The order
  questions those sets contain are listed under `elsewhere` in order.yaml and scored there;
- `KnowledgeBase.ask` median time over those non-order questions with and without the hook,
  alternated question by question in the same run (what the hook costs a question it leaves
  alone).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import roadmap_order  # noqa: E402
from index.documents import Answer  # noqa: E402
from index.search import KnowledgeBase  # noqa: E402

EVAL = ROOT / "bench" / "eval"
DATA = ROOT / "data" / "bench" / "roadmap_order"
MODELS = ROOT / "data" / "bench" / "models"  # the ONNX export other benches already made
RETRIEVAL_SETS = ("knowledge.yaml", "learning-paths.yaml")


@dataclass(frozen=True)
class Case:
    question: str
    expect: tuple[str, str]  # (path id, module id) of the passage to cite first
    split: str  # tune | held-out | elsewhere
    plan: tuple[str, str] | None = None
    last: bool = False  # the named module is the last: the lead must say so


def load_cases(path: Path = EVAL / "order.yaml") -> list[Case]:
    """The order questions, in file order (`elsewhere` ones last)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for split, entries in (("", data["cases"]), ("elsewhere", data.get("elsewhere") or [])):
        for c in entries:
            path_id, module_id = c["expect"].split("/")
            plan = tuple(c["plan"]) if c.get("plan") else None
            out.append(
                Case(
                    c["q"],
                    (path_id, module_id),
                    split or c["split"],
                    (plan[0], plan[1]) if plan else None,
                    bool(c.get("last")),
                )
            )
    return out


def other_questions(order: list[Case]) -> list[str]:
    """Every question of the retrieval sets that is not an order question."""
    skip = {c.question for c in order}
    out: list[str] = []
    for name in RETRIEVAL_SETS:
        data = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))
        out.extend(q["q"] for q in data["questions"] if q["q"] not in skip)
    return out


@contextmanager
def hook_off() -> Iterator[None]:
    """The knowledge base as it answered before issue 14 (the hook never fires)."""
    original = roadmap_order.answer
    roadmap_order.answer = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        roadmap_order.answer = original  # type: ignore[assignment]


def first_module(answer: Answer) -> tuple[str | None, str | None]:
    if not answer.answered or not answer.passages:
        return (None, None)
    p = answer.passages[0]
    return (p.path_id, p.module_id)


def correct(case: Case, answer: Answer) -> bool:
    if first_module(answer) != case.expect:
        return False
    return not case.last or "last module" in (answer.takeaway or "")


async def open_kb() -> KnowledgeBase:
    """The production settings (bot.app.index_config), with the index under data/bench."""
    from bot.app import index_config
    from bot.config import Settings

    settings = Settings(data_dir=DATA, knowledge=[ROOT / "knowledge"], model_cache_dir=MODELS)
    return await KnowledgeBase.open(index_config(settings))


def rate(results: list[bool]) -> str:
    return f"{sum(results) / len(results):.3f} ({sum(results)}/{len(results)})" if results else "-"


async def run(show: bool, show_all: bool) -> None:
    cases = load_cases()
    others = other_questions(cases)
    kb = await open_kb()
    try:
        after = [await kb.ask(c.question, boost_module=c.plan) for c in cases]
        with hook_off():
            before = [await kb.ask(c.question, boost_module=c.plan) for c in cases]
        print(f"{len(cases)} order questions over knowledge/ ({len(kb.catalog.roadmaps)} roadmaps)")
        print(f"{'first cited module':<22} {'without hook':>16} {'with hook':>16}")
        for split in ("tune", "held-out", "elsewhere"):
            picked = [i for i, c in enumerate(cases) if c.split == split]
            was = rate([correct(cases[i], before[i]) for i in picked])
            now = rate([correct(cases[i], after[i]) for i in picked])
            print(f"{split:<22} {was:>16} {now:>16}")
        changed: list[str] = []
        timed: dict[bool, list[float]] = {True: [], False: []}
        for i, question in enumerate(others):
            got: dict[bool, Answer] = {}
            for hooked in (True, False) if i % 2 else (False, True):  # alternate who goes first
                with contextlib.nullcontext() if hooked else hook_off():
                    started = time.perf_counter()
                    got[hooked] = await kb.ask(question)
                    timed[hooked].append(time.perf_counter() - started)
            if got[True] != got[False]:
                changed.append(question)
        print(
            f"false triggers: {len(changed)} of {len(others)} non-order questions of "
            f"{' and '.join(RETRIEVAL_SETS)} answered differently with the hook"
        )
        with_hook, without = (statistics.median(timed[k]) * 1000 for k in (True, False))
        print(
            f"ask p50 over the non-order questions: {with_hook:.2f} ms with the hook, "
            f"{without:.2f} ms without (alternated, same run)"
        )
        if show:
            for c, a in zip(cases, after, strict=True):
                # Held-out misses stay hidden unless asked for: they must not steer the tuning.
                if not correct(c, a) and (c.split != "held-out" or show_all):
                    got = "/".join(str(x) for x in first_module(a))
                    print(f"  miss ({c.split}): {c.question!r} -> {got}, want {'/'.join(c.expect)}")
            for q in changed:
                print(f"  false trigger: {q!r}")
    finally:
        await kb.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="list misses and false triggers")
    parser.add_argument("--show-all", action="store_true", help="--show, held-out misses too")
    args = parser.parse_args()
    asyncio.run(run(args.show or args.show_all, args.show_all))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
