"""Past a size threshold the dense index is approximate; answers stay those of an exact search.

The threshold is lowered so that a small corpus takes the approximate path: the same questions
get the same passages with the same scores (candidates are rescored with the float32 vectors),
before and after a reload, and the recall the benchmark reports is measured on real questions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import index.snapshot
from index.search import IndexConfig, KnowledgeBase
from index.snapshot import dense_recall
from tests.knowledge_base.conftest import LEARNING_PATHS, needs_corpora

Config = Callable[..., IndexConfig]
QUESTIONS = [
    "how can I stop my model from overfitting?",
    "what is gradient descent",
    "which resources teach statistics?",
    "how do I deploy a container",
    "what should I learn first",
]
EVAL = Path(__file__).resolve().parents[2] / "bench" / "eval" / "learning-paths.yaml"


async def _answers(kb: KnowledgeBase, questions: list[str]) -> list[list[tuple[str, float]]]:
    out = []
    for q in questions:
        hits = await kb.search(q, top_k=10)
        out.append([(h.chunk.key, round(h.score, 6)) for h in hits])
    return out


async def _exact_then_approximate(
    folder: Path, config: IndexConfig, questions: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[KnowledgeBase, list[list[tuple[str, float]]]]:
    exact = await KnowledgeBase.open(config)
    assert type(exact.snapshot.dense).__name__ == "IndexFlatIP"
    expected = await _answers(exact, questions)
    await exact.close()
    monkeypatch.setattr(index.snapshot, "APPROXIMATE_FROM", 1)
    kb = await KnowledgeBase.open(config)  # the saved index, its dense part approximate
    assert kb.open_report is None
    assert type(kb.snapshot.dense).__name__ == "IndexScalarQuantizer"
    return kb, expected


async def test_approximate_index_answers_like_the_exact_one(
    kb_dir: Path, make_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb, expected = await _exact_then_approximate(
        kb_dir, make_config(kb_dir), QUESTIONS, monkeypatch
    )
    assert await _answers(kb, QUESTIONS) == expected
    vectors = kb.embedder.encode(QUESTIONS)
    assert dense_recall(kb.snapshot, vectors) == 1.0
    # A reload builds the next approximate index from the new vectors.
    article = kb_dir / "articles" / "ml-basics" / "overfitting.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n\n## Dropout\n\nDropout zeroes random units.\n",
        encoding="utf-8",
    )
    report = await kb.reload()
    assert report.ok
    assert report.documents_changed == 1
    assert type(kb.snapshot.dense).__name__ == "IndexScalarQuantizer"
    hits = await kb.search("what does dropout zero?", top_k=3)
    assert hits[0].chunk.citation.section == "Dropout"
    assert dense_recall(kb.snapshot, kb.embedder.encode(["what does dropout zero?"])) == 1.0
    await kb.close()


@needs_corpora
async def test_approximate_recall_on_the_learning_paths_questions(
    tmp_path: Path, make_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [q["q"] for q in yaml.safe_load(EVAL.read_text(encoding="utf-8"))["questions"]]
    kb, expected = await _exact_then_approximate(
        LEARNING_PATHS, make_config(LEARNING_PATHS), questions, monkeypatch
    )
    assert dense_recall(kb.snapshot, kb.embedder.encode(questions)) >= 0.99
    got = await _answers(kb, questions)
    same_top3 = sum(g[:3] == e[:3] for g, e in zip(got, expected, strict=True))
    assert same_top3 >= 0.99 * len(questions)
    await kb.close()
