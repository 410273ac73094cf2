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
ROUNDS = ("", "fresh-", "fresh2-", "fresh3-", "fresh4-")
SET_CORPORA = ("knowledge", "learning-paths", "roadmap-sh", "seeds")


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
        pytest.param("knowledge.yaml", REPO / "knowledge", 80, 30, id="knowledge"),
        pytest.param(
            "learning-paths.yaml", LEARNING_PATHS, 80, 30, id="learning-paths", marks=needs_corpora
        ),
        pytest.param(
            "roadmap-sh.yaml", CORPORA / "roadmap-sh", 95, 25, id="roadmap-sh", marks=needs_corpora
        ),
        pytest.param("seeds.yaml", SEEDS, 35, 20, id="seeds", marks=needs_corpora),
    ],
)
def test_eval_set_is_large_varied_and_points_at_real_files(
    name: str, corpus: Path, on_topic: int, off_topic: int
) -> None:
    _checked(name, corpus, on_topic, off_topic, every_kind=True)


@pytest.mark.parametrize(
    ("name", "corpus", "on_topic", "off_topic"),
    [
        pytest.param("fresh-knowledge.yaml", REPO / "knowledge", 8, 5, id="knowledge"),
        pytest.param(
            "fresh-learning-paths.yaml",
            LEARNING_PATHS,
            8,
            5,
            id="learning-paths",
            marks=needs_corpora,
        ),
        pytest.param(
            "fresh-roadmap-sh.yaml",
            CORPORA / "roadmap-sh",
            35,
            25,
            id="roadmap-sh",
            marks=needs_corpora,
        ),
        # Round 4 (bench/eval/fresh2-*.yaml), seeds included: four messy articles.
        pytest.param("fresh2-seeds.yaml", SEEDS, 30, 15, id="seeds-round-4", marks=needs_corpora),
        pytest.param(
            "fresh2-roadmap-sh.yaml",
            CORPORA / "roadmap-sh",
            25,
            15,
            id="roadmap-sh-round-4",
            marks=needs_corpora,
        ),
        pytest.param(
            "fresh2-learning-paths.yaml",
            LEARNING_PATHS,
            15,
            10,
            id="learning-paths-round-4",
            marks=needs_corpora,
        ),
        # Round 5 (bench/eval/fresh3-*.yaml).
        pytest.param(
            "fresh3-roadmap-sh.yaml",
            CORPORA / "roadmap-sh",
            20,
            10,
            id="roadmap-sh-round-5",
            marks=needs_corpora,
        ),
        pytest.param("fresh3-seeds.yaml", SEEDS, 13, 7, id="seeds-round-5", marks=needs_corpora),
        pytest.param(
            "fresh3-learning-paths.yaml",
            LEARNING_PATHS,
            13,
            7,
            id="learning-paths-round-5",
            marks=needs_corpora,
        ),
        # Round 7 (bench/eval/fresh4-*.yaml): career and duration questions each corpus answers.
        pytest.param("fresh4-seeds.yaml", SEEDS, 20, 10, id="seeds-round-7", marks=needs_corpora),
        pytest.param(
            "fresh4-learning-paths.yaml",
            LEARNING_PATHS,
            20,
            10,
            id="learning-paths-round-7",
            marks=needs_corpora,
        ),
        pytest.param(
            "fresh4-roadmap-sh.yaml",
            CORPORA / "roadmap-sh",
            20,
            10,
            id="roadmap-sh-round-7",
            marks=needs_corpora,
        ),
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
