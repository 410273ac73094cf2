"""A duration question the guide answers is not refused for reading like the off-topic twins.

"how long until I'm decent at data engineering as a data analyst" over a guide that gives months
per background reads like the near-miss twins ("how long does it take to learn data
engineering"), which a tree of topic cards cannot answer. Where the passages give the duration,
the twins and the leftover judge the question without its "how long" (index/given_subject.py);
where they do not, the question is judged whole and refused as before. Pay questions stay
refused on the guide. The guide and the cards are those of test_career_guides; the real model,
FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.aspects import Aspect
from index.given_subject import subject_text
from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.test_career_guides import career_guide, topic_cards

Config = Callable[..., IndexConfig]

DURATION = "a duration"
DEGREE = "a degree or education requirement"

# Phrasings a learner uses for the path's months; refused on topic cards.
GIVEN = (
    "how long until I'm decent at data engineering as a data analyst",
    "how many months does it take to become a data engineer",
    "how long does the data engineering path take for a complete beginner",
    "how quickly can a software developer become a data engineer",
)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("how long does the data engineering path take", "does the data engineering path take"),
        ("How many months to become a data engineer?", "to become a data engineer?"),
        ("how long until I'm decent at sql", "until i'm decent at sql"),
    ],
)
def test_a_given_duration_is_judged_without_its_cue(question: str, subject: str) -> None:
    assert subject_text(question, Aspect((DURATION,))) == subject


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        # Not given: the twins judge the whole question, as before.
        ("how many months to become a data engineer", Aspect((DURATION,), (DURATION,))),
        # Asks for nothing listed.
        ("what does a data engineer do", Aspect()),
        # Degree is not judged by its subject (bench/given_probe.py: it let degree questions
        # through on a careers site that does not state requirements).
        ("do I need a degree to become a data engineer", Aspect((DEGREE,))),
        # Nothing left but the cue.
        ("how long?", Aspect((DURATION,))),
    ],
)
def test_otherwise_the_question_is_judged_whole(question: str, aspect: Aspect) -> None:
    assert subject_text(question, aspect) is None


async def test_a_duration_the_guide_gives_is_answered_and_refused_on_topic_cards(
    tmp_path: Path, make_config: Config
) -> None:
    guide = await KnowledgeBase.open(make_config(career_guide(tmp_path)))
    cards = await KnowledgeBase.open(make_config(topic_cards(tmp_path)))
    # Judged whole it read 0.84 like its twin "how long does it take to learn data engineering"
    # and left "how long" unexplained by the role overview ranked first (confidence 0.32).
    question = "how long does it take to learn data engineering"
    hits = await guide.search(question, top_k=5)
    answered = await guide.judge(question, hits)
    assert answered.answered, answered.explain()
    assert "the question asks for a duration; the passage gives one" in answered.explain()
    answer = await guide.ask(question)
    assert answer.answered
    assert any(p.citation.section.endswith("Learning Path Structure") for p in answer.passages)
    # The same questions over topic cards that never say how long anything takes.
    for asked in (question, *GIVEN):
        refused = await cards.judge(asked, await cards.search(asked, top_k=5))
        assert not refused.answered, refused.explain()
        assert "the passage gives none" in refused.explain()
    # The guide gives months, not pay: pay questions stay refused there.
    for asked in (
        "how much does a data engineer earn",
        "what salary can a junior data engineer expect",
        "how long until a data engineer earns six figures",
    ):
        refused = await guide.judge(asked, await guide.search(asked, top_k=5))
        assert not refused.answered, refused.explain()
    await guide.close()
    await cards.close()
