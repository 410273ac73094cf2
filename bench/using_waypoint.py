"""Questions about using the bot: answered or refused, and is the right command's section first?

    .venv/bin/python bench/using_waypoint.py [--before REV] [--show]

bench/eval/using-waypoint.yaml holds learners' questions about Waypoint itself (labelled to the
generated knowledge/waypoint/using-waypoint.md, each naming in `command` the command that
answers it) and requests a Discord bot might get that Waypoint cannot do (`relevant: []`, must
be refused). Answers are scored at file level elsewhere; here the SECTION ranked first matters
too: "how can I see my streak" should open on /progress, not on /remind.

Every question goes through `waypoint search --json` (the contract the lead measures with) over
knowledge/. The set has three parts (`=== part B` and `=== part C` comments start the second and
third): part A was used to tune the article's wording (round 10) and the bot-capability twins
(round 11), part B was round 10's result, part C was written before round 11 measured anything
and is its result.

With `--before REV`, the same questions are also asked of a copy of knowledge/ whose article is
the one committed at REV (git), in the same run: before and after side by side.
Indexes live in bench/out/using-waypoint (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "eval" / "using-waypoint.yaml"
ARTICLE = "waypoint/using-waypoint.md"
OUT = ROOT / "bench" / "out" / "using-waypoint"
PARTS = ("=== part B", "=== part C")  # the comments that start parts B and C


@dataclass(frozen=True)
class Question:
    """One probe question: its half, whether it is on-topic and the section that answers it."""

    q: str
    part: str
    on_topic: bool
    command: str


@dataclass(frozen=True)
class Outcome:
    """What `waypoint search --json` did with one question."""

    answered: bool
    confidence: float
    section: str


def load() -> list[Question]:
    """The probe's questions, each marked A, B or C by where the part comments fall."""
    text = EVAL.read_text(encoding="utf-8")
    starts = [
        sum(1 for line in text.split(mark, 1)[0].splitlines() if line.lstrip().startswith("- "))
        for mark in PARTS
    ]
    questions = yaml.safe_load(text)["questions"]
    return [
        Question(
            str(q["q"]),
            "ABC"[sum(i >= s for s in starts)],
            bool(q["relevant"]),
            str(q.get("command", "")),
        )
        for i, q in enumerate(questions)
    ]


def expected_section(command: str) -> str:
    """The start of the article's section title that answers a question about `command`."""
    if command.startswith("/"):
        return command.split()[0]  # a subcommand lives in its group's section
    if command.startswith("waypoint "):
        return "Using Waypoint in a terminal"
    if command == "Waypoint":
        return "What Waypoint does"
    return command  # a context menu: "Ask Waypoint (message menu)"


def right_section(question: Question, section: str) -> bool:
    """Whether the first passage's section (its heading trail) is the expected command's."""
    top = section.split(" › ")[0]  # a subcommand's trail starts with its group
    return top.split(":")[0].strip() == expected_section(question.command) or (
        not question.command.startswith("/") and top.startswith(expected_section(question.command))
    )


def ask(questions: list[Question], knowledge: Path, data: Path) -> list[Outcome]:
    """Each question through `waypoint search --json`, one process for all of them."""
    waypoint = Path(sys.executable).parent / "waypoint"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = [str(waypoint), "search", "--json", "--top-k", "5"]
    args += ["--knowledge", str(knowledge), "--data-dir", str(data), "--log-level", "ERROR"]
    stdin = "\n".join(q.q for q in questions) + "\n"
    run = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env, check=True)
    outcomes = []
    for line in run.stdout.splitlines():
        result = json.loads(line)
        first = result["results"][0] if result["results"] else {}
        section = str(first.get("section") or "") if first.get("source") == ARTICLE else ""
        outcomes.append(Outcome(bool(result["answered"]), float(result["confidence"]), section))
    assert len(outcomes) == len(questions), run.stderr
    return outcomes


def knowledge_at(rev: str) -> Path:
    """A copy of knowledge/ with the generated article as committed at `rev`."""
    copy = OUT / "knowledge-before"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ROOT / "knowledge", copy)
    old = subprocess.run(
        ["git", "show", f"{rev}:knowledge/{ARTICLE}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (copy / ARTICLE).write_text(old, encoding="utf-8")
    return copy


def summary(questions: list[Question], outcomes: list[Outcome], part: str) -> str:
    """One half's counts: on-topic answered, right section first, off-topic refused."""
    pairs = [(q, o) for q, o in zip(questions, outcomes, strict=True) if q.part == part]
    on = [(q, o) for q, o in pairs if q.on_topic]
    off = [o for q, o in pairs if not q.on_topic]
    answered = sum(o.answered for _, o in on)
    right = sum(right_section(q, o.section) for q, o in on)
    refused = sum(not o.answered for o in off)
    accuracy = (answered + refused) / len(pairs)
    return (
        f"part {part}: on-topic answered {answered}/{len(on)}, right section first "
        f"{right}/{len(on)}; off-topic refused {refused}/{len(off)}; "
        f"abstention accuracy {accuracy:.3f}"
    )


def show(questions: list[Question], outcomes: list[Outcome]) -> None:
    """Every question with its decision and first section (the probe is not blind)."""
    for q, o in zip(questions, outcomes, strict=True):
        ok = (o.answered and right_section(q, o.section)) if q.on_topic else not o.answered
        mark = "ok " if ok else "BAD"
        decision = "answered" if o.answered else "refused "
        print(f"  {mark} {q.part} {decision} {o.confidence:.2f} {q.q!r} -> {o.section[:50]!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", metavar="REV", help="also score the article committed at REV")
    parser.add_argument("--show", action="store_true", help="list every question's outcome")
    args = parser.parse_args()
    questions = load()
    runs = [("after (this worktree)", ROOT / "knowledge", OUT / "after")]
    if args.before:
        runs.insert(0, (f"before ({args.before})", knowledge_at(args.before), OUT / "before"))
    for label, knowledge, data in runs:
        outcomes = ask(questions, knowledge, data)
        print(f"{label}:")
        for part in "ABC":
            print("  " + summary(questions, outcomes, part))
        if args.show:
            show(questions, outcomes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
