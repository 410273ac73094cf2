"""Questions about order are answered from the roadmap's module order (issue 14).

Real model, real FAISS, the fixture knowledge folder (the two-module `ml-basics` roadmap) and,
where a test needs it, a second roadmap written beside it: `data-basics`, a prerequisites block
and two numbered modules, one of them also titled "Model Evaluation".
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from index import roadmap_order
from index.documents import Answer
from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]

DATA_BASICS = """\
id: data-basics
title: Data Basics
summary: From spreadsheets to a first report a team can trust.
pathways:
  - background: data-engineer
    months: [1, 2]
    note: Pipelines are familiar; skim the prerequisites and spend the time on evaluation.
modules:
  - id: prerequisites
    title: Prerequisites
    order: 0
    weeks: [2, 3]
    hours_per_week: 5
    summary: Spreadsheets, a little Python and the habit of writing down what you did.
  - id: evaluation
    title: Model Evaluation
    order: 1
    weeks: [3, 4]
    hours_per_week: 5
    summary: Checking a number before anyone acts on it, with held-out data and baselines.
    prerequisites: [prerequisites]
  - id: reporting
    title: Reporting
    order: 2
    weeks: [2, 2]
    hours_per_week: 5
    summary: Charts and short write-ups that say what the data shows and what it cannot.
    prerequisites: [evaluation]
"""


async def ask(kb: KnowledgeBase, question: str, plan: tuple[str, str] | None = None) -> Answer:
    answer = await kb.ask(question, top_k=3, boost_module=plan)
    assert answer.answered, answer.suggestions
    return answer


ORDER_LEAD = re.compile(
    r"^(After|Before) \*\*|roadmap starts with|is the last module|comes before \*\*"
)


def untouched(kb: KnowledgeBase, answer: Answer) -> bool:
    """An ordinary answer: every passage a chunk as indexed, no roadmap-order lead as takeaway."""
    indexed = {c.text for c in kb.snapshot.chunks}
    plain = all(p.text in indexed for p in answer.passages)
    return plain and not ORDER_LEAD.search(answer.takeaway or "")


def first(answer: Answer) -> tuple[str | None, str | None]:
    return (answer.passages[0].path_id, answer.passages[0].module_id)


async def test_what_comes_after_a_module_names_the_next_one(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    for question in ("What comes after Foundations?", "i finished foundations, now what"):
        answer = await ask(kb, question)
        assert first(answer) == ("ml-basics", "evaluation")
        lead = answer.takeaway
        assert lead == (
            "After **Foundations** comes **Model Evaluation** "
            "(module 1 of 1, about 2-3 weeks at 8 h/week)."
        )
        # The lead is the takeaway; the module's own roadmap passage is cited as indexed.
        assert "Telling a model that generalises" in answer.passages[0].text
        assert answer.passages[0].citation.source == "paths/ml-basics.yaml"
        assert not untouched(kb, answer)
        assert len(answer.passages) <= 3
    await kb.close()


@pytest.mark.parametrize(
    ("question", "module", "lead"),
    [
        (
            "What should I do first?",
            "foundations",
            "The ML Basics roadmap starts with **Foundations** (before module 1, about 4-6 weeks "
            "at 8 h/week), then **Model Evaluation**.",
        ),
        (
            "whats next after model evaluaton?",  # typo fixed by the speller
            "evaluation",
            "**Model Evaluation** is the last module of the ML Basics roadmap (module 1 of 1): "
            "nothing comes after it in this path.",
        ),
    ],
    ids=["the first module", "after the last module"],
)
async def test_the_ends_of_a_roadmap_are_named(
    kb_dir: Path, make_config: Config, question: str, module: str, lead: str
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    answer = await ask(kb, question)
    assert first(answer) == ("ml-basics", module)
    assert (answer.takeaway or "").startswith(lead)
    await kb.close()


async def test_a_question_with_after_that_is_not_about_order_is_untouched(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    for question in (
        "what happens after training a model?",
        "why does my loss go up after a few epochs?",
        "what model should I try first?",
    ):
        assert roadmap_order.recognise(question) is None
        answer = await kb.ask(question, top_k=3)
        assert untouched(kb, answer)
    await kb.close()


async def test_the_named_roadmap_or_the_learners_plan_decides_between_equal_titles(
    kb_dir: Path, make_config: Config
) -> None:
    (kb_dir / "paths" / "data-basics.yaml").write_text(DATA_BASICS, encoding="utf-8")
    kb = await KnowledgeBase.open(make_config(kb_dir))
    # "Model Evaluation" is the last module of ml-basics and module 1 of data-basics.
    named = await ask(kb, "what comes after model evaluation in data basics?")
    assert first(named) == ("data-basics", "reporting")
    assert (named.takeaway or "").startswith(
        "After **Model Evaluation** comes **Reporting** (module 2 of 2, about 2 weeks at 5 h/week)."
    )
    on_plan = await ask(kb, "what comes after model evaluation?", ("data-basics", "evaluation"))
    assert first(on_plan) == ("data-basics", "reporting")
    other_plan = await ask(kb, "what comes after model evaluation?", ("ml-basics", "foundations"))
    assert first(other_plan) == ("ml-basics", "evaluation")
    assert "last module" in (other_plan.takeaway or "")
    # "What's next?" names no module: the learner's current one is meant.
    on_plan = await ask(kb, "done with this module, what's next?", ("data-basics", "evaluation"))
    assert first(on_plan) == ("data-basics", "reporting")
    await kb.close()


async def test_before_first_and_which_comes_first(kb_dir: Path, make_config: Config) -> None:
    (kb_dir / "paths" / "data-basics.yaml").write_text(DATA_BASICS, encoding="utf-8")
    kb = await KnowledgeBase.open(make_config(kb_dir))
    before = await ask(kb, "what comes before reporting?")
    assert first(before) == ("data-basics", "evaluation")
    assert (before.takeaway or "").startswith("Before **Reporting** comes **Model Evaluation**")
    # "Model Evaluation" alone is ambiguous; "Reporting" tells which roadmap, in either place.
    for question in (
        "which comes first, reporting or model evaluation?",
        "should I do model evaluation or reporting first?",
    ):
        which = await ask(kb, question)
        assert first(which) == ("data-basics", "evaluation")
        assert (which.takeaway or "").startswith(
            "**Model Evaluation** (module 1 of 2) comes before **Reporting** (module 2 of 2)"
        )
    # Order 0 is the prerequisites, not numbered (knowledge/README.md); the pathway of the
    # background the learner names is quoted from the roadmap.
    start = await ask(kb, "I'm coming from data engineering, where do I start with data basics?")
    assert first(start) == ("data-basics", "prerequisites")
    lead = start.takeaway
    assert lead == (
        "The Data Basics roadmap starts with **Prerequisites** (before module 1, about 2-3 weeks "
        "at 5 h/week), then **Model Evaluation**. For the data-engineer pathway the roadmap plans"
        " about 1-2 months in all: Pipelines are familiar; skim the prerequisites "
        "and spend the time on evaluation."
    )
    # With two roadmaps, none named and no plan, "where do I start" is not guessed.
    unnamed = await kb.ask("where do I start?")
    assert "roadmap starts with" not in (unnamed.takeaway or "")
    await kb.close()


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What comes after ML Fundamentals?", "next"),
        ("whats next after cloud fundamentals", "next"),
        ("I've finished the data analysis module, what should I learn next?", "next"),
        ("after shell scripting, what next?", "next"),
        ("What's next?", "next"),
        ("which module follows CI/CD and Automation", "next"),
        ("What comes before computer vision?", "previous"),
        ("What do I need before computer vision?", "prerequisite"),
        ("what are the prerequisites for LLM integration", "prerequisite"),
        ("Where do I begin?", "first"),
        ("I'm a beginner, what should I learn first for MLOps?", "first"),
        ("what's the first module of support engineering", "first"),
        ("In what order should I take the modules?", "order"),
        ("should I do model deployment or ML pipelines first", "which-first"),
        ("what happens after training a model?", None),
        ("how do I begin the ML fundamentals module", None),
        ("should I learn theory first or build projects", None),
        ("which tools should I learn and in what order", None),
        ("what maths should I brush up on before ML engineering", None),
        ("why do models get worse after deployment", None),
    ],
)
def test_order_questions_are_recognised_in_many_phrasings(question: str, kind: str | None) -> None:
    asked = roadmap_order.recognise(question)
    assert (asked.kind if asked else None) == kind


async def test_a_folder_without_roadmaps_answers_as_before(
    kb_dir: Path, make_config: Config
) -> None:
    # A docs tree has no roadmap YAML: order questions get the ordinary answer.
    shutil.rmtree(kb_dir / "paths")
    shutil.rmtree(kb_dir / "resources")
    kb = await KnowledgeBase.open(make_config(kb_dir))
    assert not kb.catalog.roadmaps
    for question in ("what should I do first?", "what comes after gradient descent?"):
        answer = await kb.ask(question, top_k=3)
        assert untouched(kb, answer)
    await kb.close()
