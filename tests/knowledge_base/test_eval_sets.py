"""The eval sets in bench/eval stay usable: enough questions, every relevant file exists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.knowledge_base.conftest import HERE, LEARNING_PATHS, needs_corpora

REPO = HERE.parents[1]


@pytest.mark.parametrize(
    ("name", "corpus"),
    [
        pytest.param("knowledge.yaml", REPO / "knowledge", id="knowledge"),
        pytest.param(
            "learning-paths.yaml", LEARNING_PATHS, id="learning-paths", marks=needs_corpora
        ),
    ],
)
def test_eval_set_is_large_varied_and_points_at_real_files(name: str, corpus: Path) -> None:
    data = yaml.safe_load((REPO / "bench" / "eval" / name).read_text(encoding="utf-8"))
    questions = data["questions"]
    kinds = Counter(q["kind"] for q in questions)
    assert sum(1 for q in questions if q["relevant"]) >= 80
    assert kinds["off-topic"] >= 15
    assert {"paraphrase", "typo", "keyword", "multi", "vague"} <= set(kinds)
    texts = [q["q"].casefold() for q in questions]
    assert len(texts) == len(set(texts))
    missing = [r for q in questions for r in q["relevant"] if not (corpus / r).is_file()]
    assert missing == []
