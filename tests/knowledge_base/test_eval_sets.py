"""The eval sets in bench/eval stay usable: enough questions, every relevant file exists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.knowledge_base.conftest import CORPORA, HERE, LEARNING_PATHS, SEEDS, needs_corpora

REPO = HERE.parents[1]
EVAL = REPO / "bench" / "eval"
KINDS = {"paraphrase", "typo", "keyword", "multi", "vague", "cover"}
# bench/eval/<round><corpus>.yaml: the fitted sets, then each report-only round in order.
ROUNDS = (
    "",
    "fresh-",
    "fresh2-",
    "fresh3-",
    "fresh4-",
    "fresh5-",
    "fresh6-",
    "fresh7-",
    "fresh8-",
    "fresh9-",
)
SET_CORPORA = {
    "knowledge": REPO / "knowledge",
    "learning-paths": LEARNING_PATHS,
    "roadmap-sh": CORPORA / "roadmap-sh",
    "seeds": SEEDS,
}


def _set(stem: str, on_topic: int, off_topic: int, id: str) -> object:
    """bench/eval/<stem>.yaml with the folder it points into (the shared corpora but ours)."""
    corpus = next(c for c in SET_CORPORA if stem.endswith(c))
    marks = () if corpus == "knowledge" else needs_corpora
    return pytest.param(
        f"{stem}.yaml", SET_CORPORA[corpus], on_topic, off_topic, id=id, marks=marks
    )


def _questions(name: str) -> list[dict[str, object]]:
    data = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))
    questions: list[dict[str, object]] = data["questions"]
    return questions


def _checked(
    name: str, corpus: Path, on_topic: int, off_topic: int, *, every_kind: bool
) -> list[str]:
    """The set's questions (casefolded), after checking its size, kinds and relevant files."""
    questions = _questions(name)
    kinds = Counter(str(q["kind"]) for q in questions)
    assert sum(1 for q in questions if q["relevant"]) >= on_topic
    assert kinds["off-topic"] >= off_topic
    if every_kind:
        assert set(kinds) == KINDS | {"off-topic"}
    assert set(kinds) <= KINDS | {"off-topic"}
    # Off-topic questions have no relevant file and every on-topic one has at least one.
    assert all((q["kind"] == "off-topic") == (not q["relevant"]) for q in questions)
    texts = [str(q["q"]).casefold() for q in questions]
    assert len(texts) == len(set(texts))
    missing = [r for q in questions for r in q["relevant"] if not (corpus / r).is_file()]  # type: ignore[attr-defined]
    assert missing == []
    return texts


@pytest.mark.parametrize(
    ("name", "corpus", "on_topic", "off_topic"),
    [
        _set("knowledge", 80, 30, id="knowledge"),
        _set("learning-paths", 80, 30, id="learning-paths"),
        _set("roadmap-sh", 95, 25, id="roadmap-sh"),
        _set("seeds", 35, 20, id="seeds"),
    ],
)
def test_eval_set_is_large_varied_and_points_at_real_files(
    name: str, corpus: Path, on_topic: int, off_topic: int
) -> None:
    _checked(name, corpus, on_topic, off_topic, every_kind=True)


@pytest.mark.parametrize(
    ("name", "corpus", "on_topic", "off_topic"),
    [
        _set("fresh-knowledge", 8, 5, id="knowledge"),
        _set("fresh-learning-paths", 8, 5, id="learning-paths"),
        _set("fresh-roadmap-sh", 35, 25, id="roadmap-sh"),
        # Round 4 (bench/eval/fresh2-*.yaml), seeds included: four messy articles.
        _set("fresh2-seeds", 30, 15, id="seeds-round-4"),
        _set("fresh2-roadmap-sh", 25, 15, id="roadmap-sh-round-4"),
        _set("fresh2-learning-paths", 15, 10, id="learning-paths-round-4"),
        # Round 5 (bench/eval/fresh3-*.yaml).
        _set("fresh3-roadmap-sh", 20, 10, id="roadmap-sh-round-5"),
        _set("fresh3-seeds", 13, 7, id="seeds-round-5"),
        _set("fresh3-learning-paths", 13, 7, id="learning-paths-round-5"),
        # Round 7 (bench/eval/fresh4-*.yaml): career and duration questions each corpus answers.
        _set("fresh4-seeds", 20, 10, id="seeds-round-7"),
        _set("fresh4-learning-paths", 20, 10, id="learning-paths-round-7"),
        _set("fresh4-roadmap-sh", 20, 10, id="roadmap-sh-round-7"),
        # Round 8 (bench/eval/fresh5-*.yaml): knowledge/ again, with questions about the bot.
        _set("fresh5-knowledge", 20, 10, id="knowledge-round-8"),
        _set("fresh5-learning-paths", 20, 10, id="learning-paths-round-8"),
        _set("fresh5-roadmap-sh", 25, 12, id="roadmap-sh-round-8"),
        _set("fresh5-seeds", 20, 10, id="seeds-round-8"),
        # Round 9 (bench/eval/fresh6-*.yaml): short look-ups, "does it cover", less central
        # paths and roadmaps, two- and three-typo questions, near-miss careers, law and tools.
        _set("fresh6-knowledge", 20, 10, id="knowledge-round-9"),
        _set("fresh6-learning-paths", 20, 10, id="learning-paths-round-9"),
        _set("fresh6-roadmap-sh", 25, 12, id="roadmap-sh-round-9"),
        _set("fresh6-seeds", 20, 10, id="seeds-round-9"),
        # Round 10 (bench/eval/fresh7-*.yaml): the same mix, written before round 10 ran.
        _set("fresh7-knowledge", 20, 10, id="knowledge-round-10"),
        _set("fresh7-learning-paths", 20, 10, id="learning-paths-round-10"),
        _set("fresh7-roadmap-sh", 25, 12, id="roadmap-sh-round-10"),
        _set("fresh7-seeds", 20, 10, id="seeds-round-10"),
        # Round 11 (bench/eval/fresh8-*.yaml): the same mix, written before round 11 ran; pay the
        # job ads state, "what does a <role> do", tools just outside each tree, bot requests.
        _set("fresh8-knowledge", 20, 10, id="knowledge-round-11"),
        _set("fresh8-learning-paths", 20, 10, id="learning-paths-round-11"),
        _set("fresh8-roadmap-sh", 25, 12, id="roadmap-sh-round-11"),
        _set("fresh8-seeds", 20, 10, id="seeds-round-11"),
        # Round 12 (bench/eval/fresh9-*.yaml): the same mix, written before round 12 ran; concepts
        # in plain words, files no earlier set labelled, features of covered tools the tree omits.
        _set("fresh9-knowledge", 20, 10, id="knowledge-round-12"),
        _set("fresh9-learning-paths", 20, 10, id="learning-paths-round-12"),
        _set("fresh9-roadmap-sh", 25, 12, id="roadmap-sh-round-12"),
        _set("fresh9-seeds", 20, 10, id="seeds-round-12"),
    ],
)
def test_fresh_report_only_set_points_at_real_files_and_repeats_no_older_question(
    name: str, corpus: Path, on_topic: int, off_topic: int
) -> None:
    texts = _checked(name, corpus, on_topic, off_topic, every_kind=False)
    # A fresh set measures questions the weights were never fitted on: none may repeat one of
    # the fitted sets (which bench/abstention.py fits on), of an earlier round's fresh sets or
    # of the bundled off-topic questions.
    earlier = ROUNDS[: ROUNDS.index(name.split("-", 1)[0] + "-")]
    sets = [EVAL / f"{r}{c}.yaml" for r in earlier for c in SET_CORPORA]
    older = {str(q["q"]).casefold() for old in sets if old.exists() for q in _questions(old.name)}
    bundled = (REPO / "index" / "off_topic.txt").read_text(encoding="utf-8").casefold()
    assert [t for t in texts if t in older or t in bundled.splitlines()] == []


def test_bot_probe_names_every_command_and_repeats_no_older_question() -> None:
    # bench/eval/using-waypoint.yaml (bench/using_waypoint.py): questions about using the bot,
    # each naming the command whose section should come first, and requests it cannot do.
    name = "using-waypoint.yaml"
    texts = _checked(name, REPO / "knowledge", 30, 14, every_kind=False)
    questions = _questions(name)
    article = (REPO / "knowledge" / "waypoint" / "using-waypoint.md").read_text(encoding="utf-8")
    headings = [
        line.lstrip("#").strip()
        for line in article.splitlines()
        if line.startswith(("## /", "### /"))
    ]
    commands = [h.split(":")[0] for h in headings]
    leaves = {c for c in commands if not any(o.startswith(f"{c} ") for o in commands)}
    named = {str(q["command"]) for q in questions if q["relevant"]}
    assert all("command" in q for q in questions if q["relevant"])
    # Every slash command the article lists is asked about, and every named one exists.
    assert leaves <= named
    assert {n for n in named if n.startswith("/")} <= set(commands)
    assert "Ask Waypoint" in named
    sets = [EVAL / f"{r}{c}.yaml" for r in ROUNDS for c in SET_CORPORA]
    older = {str(q["q"]).casefold() for old in sets if old.exists() for q in _questions(old.name)}
    bundled = (REPO / "index" / "off_topic.txt").read_text(encoding="utf-8").casefold()
    assert [t for t in texts if t in older or t in bundled.splitlines()] == []
