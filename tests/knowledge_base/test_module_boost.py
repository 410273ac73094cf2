"""A learner's current module ranks first only among passages about as relevant (issue 8).

Real model, real FAISS, the fixture knowledge folder plus, in two modules of the `ml-basics`
path, the same study advice (equally relevant) and two articles about starting Model
Evaluation from two angles (one clearly better for the question asked).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.test_knowledge_base import OFF_TOPIC

Config = Callable[..., IndexConfig]

FOUNDATIONS = ("ml-basics", "foundations")
EVALUATION = ("ml-basics", "evaluation")
START = "articles/ml-basics/start-evaluation.md"  # module: evaluation
READY = "articles/ml-basics/ready-for-evaluation.md"  # module: foundations
NOTES = """## Keep a notebook of worked examples

Write each new idea in your own words, with one small worked example and the mistake you made
first. Re-read the notebook at the start of every session.
"""

ARTICLES = {
    START: """---
title: How do I start the Model Evaluation module?
tags: [evaluation, getting-started]
module: evaluation
---

## A three-week outline

1. Week 1: train, validation and test splits, and why the test set stays locked away.
2. Week 2: k-fold cross-validation and learning curves on a real dataset.
3. Week 3: precision, recall and the confusion matrix, then a small project comparing two
   models.
""",
    READY: """---
title: How do I know I'm ready to start the Model Evaluation module?
tags: [readiness, self-assessment]
module: foundations
---

## Two practical tests

Implement linear regression from scratch with NumPy, trained by gradient descent, and check it
against scikit-learn. Then explain in your own words what the learning rate does. If both go
smoothly, move on to Model Evaluation.
""",
    "articles/ml-basics/notes-foundations.md": "---\ntitle: Taking notes while you study\n"
    "module: foundations\n---\n\n" + NOTES,
    "articles/ml-basics/notes-evaluation.md": "---\ntitle: Taking notes while you study\n"
    "module: evaluation\n---\n\n" + NOTES,
}


@pytest.fixture
async def kb(kb_dir: Path, make_config: Config) -> AsyncIterator[KnowledgeBase]:
    for name, text in ARTICLES.items():
        (kb_dir / name).write_text(text, encoding="utf-8")
    knowledge = await KnowledgeBase.open(make_config(kb_dir))
    yield knowledge
    await knowledge.close()


async def sources(kb: KnowledgeBase, question: str, module: tuple[str, str] | None) -> list[str]:
    answer = await kb.ask(question, top_k=3, boost_module=module)
    assert answer.answered, answer.suggestions
    return [p.citation.source for p in answer.passages]


async def test_near_equal_passages_put_the_learners_module_first(kb: KnowledgeBase) -> None:
    # The same advice sits in both modules: whichever module the learner is on is cited.
    question = "how should I take notes while I study?"
    hits = await kb.search(question, top_k=2)
    assert {h.chunk.module_id for h in hits} == {"foundations", "evaluation"}
    assert hits[1].score >= 0.995 * hits[0].score  # as relevant
    for module in (FOUNDATIONS, EVALUATION):
        answer = await kb.ask(question, top_k=3, boost_module=module)
        assert answer.answered
        best = answer.passages[0]
        assert (best.path_id, best.module_id) == module
        assert best.citation.source == f"articles/ml-basics/notes-{module[1]}.md"


async def test_a_clearly_better_passage_from_another_module_stays_first(
    kb: KnowledgeBase,
) -> None:
    # The outline answers this clearly better; the readiness article of the learner's own
    # module is the runner-up, so the boost has a candidate it must not promote.
    question = "what comes first in the model evaluation module"
    assert (await sources(kb, question, None))[:2] == [START, READY]
    assert (await sources(kb, question, FOUNDATIONS))[:2] == [START, READY]
    hits = await kb.search(question, top_k=2)
    assert hits[1].score < 0.95 * hits[0].score  # clearly better, not a near tie


@pytest.mark.parametrize("module", [FOUNDATIONS, EVALUATION])
@pytest.mark.parametrize("question", OFF_TOPIC)
async def test_off_topic_stays_not_covered_with_a_boost(
    kb: KnowledgeBase, question: str, module: tuple[str, str]
) -> None:
    answer = await kb.ask(question, boost_module=module)
    assert not answer.answered
    assert answer.passages == ()
    assert answer.suggestions
