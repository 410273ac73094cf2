"""What a question asks for, not what it states about the learner (index/aspects.py).

Learners say where they come from before they ask: "I have a stats degree, how many months is
the path for me" asks for a duration, and the degree is their background, not a question about
degree requirements. A clause that states a background does not ask for its families; "do I need
a degree", "without a degree, ..." and "is a degree required" still do. A number of months is
evidence in any passage an answer shows, and durations come in words too ("about a year").
The passages are written for these tests; the end-to-end cases use the small career guide and
topic cards of test_career_guides.py, with the real model, FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.aspects import asking, aspect
from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.test_career_guides import career_guide, topic_cards

Config = Callable[..., IndexConfig]

MONTHS = """How long the path takes, by background:
- Complete beginners: 14-18 months
- Statistics or maths graduates: 9-12 months, mostly programming practice"""

OVERVIEW = """Data science turns raw tables into recommendations: statistics, analysis,
predictive models and clear charts."""

DEGREE = "degree or education requirement"


@pytest.mark.parametrize(
    "question",
    [
        "I have a stats degree, how many months is the data science path for me",
        "I did a physics degree with plenty of statistics how long is the path",
        "as a self-taught dev, how long is the data science path",
        "with a CS degree, how many months does the path take",
        "my degree is in economics, how long is the data science path",
        "I've got a masters in biology and how long would the path take me",
        "as someone with a CS degree, how long is the data science path",
        "for someone with a masters, how long is the path",
        "someone who did a stats degree, how many months for the data science route",
        "a person with a physics degree, how long is the path",
        "I studied law — how long will the data science path take",
        "former lawyer here: how long is the path",
        "I earn well as a nurse but how long does the path take",
        "I live abroad on a work visa, how many months is the path",
        "I have no degree, how long is the path for me",
    ],
)
def test_a_stated_background_does_not_ask_for_it(question: str) -> None:
    found = aspect(question, MONTHS)
    assert found.asked == ("a duration",)
    assert found.score == 1.0
    assert found.explain() == "the question asks for a duration; the passage gives one"


@pytest.mark.parametrize(
    "question",
    [
        "do I need a degree to become a data scientist",
        "is a statistics degree required for data science",
        "without a degree, how many months is the path",
        "can I become a data scientist with only a history degree",
        "I don't have a degree, can I still become a data scientist",
        "I wonder whether a bootcamp counts as a degree",
        "I have a degree but do I need a masters",
    ],
)
def test_a_degree_asked_for_is_still_asked_for(question: str) -> None:
    found = aspect(question, MONTHS)
    assert f"a {DEGREE}" in found.asked
    assert found.score == -1.0
    assert f"a {DEGREE}" in found.missing


def test_other_stated_backgrounds_are_not_asked_for() -> None:
    # Pay, residence, an offer stated in passing; what is asked comes after.
    assert asking("I'm paid well now but is the switch worth it").startswith(" ")
    assert aspect("I'm paid well now but is the switch worth it", OVERVIEW).score == 0.0
    assert aspect("I live abroad, how many months is the path", MONTHS).asked == ("a duration",)
    negotiate = aspect("I got a job offer, how do I negotiate it", OVERVIEW)
    assert negotiate.asked == ("negotiation or promotion advice",)
    # A background is made of a degree, pay, residence, legal training, a job ...
    assert aspect("I'm 35 with a law degree, is it too late to learn data science", "").score == 0
    # ... an event is not: the interview is what is asked about.
    interview = aspect("I have an interview tomorrow, how do I prepare", OVERVIEW)
    assert interview.asked == ("interview advice",)
    # A question that only states asks what it states.
    assert aspect("my salary is too low for a data engineer", OVERVIEW).asked == ("a word on pay",)
    # A question about law after a stated contract still asks about law.
    legal = aspect("my contract has a non-compete, is it enforceable", OVERVIEW)
    assert legal.asked == ("legal terms",)
    assert legal.score == -1.0


@pytest.mark.parametrize(
    "passage",
    [
        "Most learners finish in 6-9 months.",
        "Expect about a year of evenings.",
        "It takes a year or two alongside a job.",
        "Half a year is enough for someone who already codes.",
        "Plan on 12 wk for this module.",
        "Give it 1.5 years from scratch.",
        "Two to three months if you study full time.",
        "Eighteen months for the whole curriculum.",
    ],
)
def test_durations_in_words_and_ranges_are_given(passage: str) -> None:
    assert aspect("how long does the path take", passage).score == 1.0


@pytest.mark.parametrize(
    "passage",
    [
        "Teams review the roadmap twice a year.",
        "Seniors earn about $140k a year.",
        OVERVIEW,
        "- [How I learned SQL in 2 weeks](https://example.com/sql-in-two-weeks)",
    ],
)
def test_a_frequency_an_amount_or_a_link_title_is_no_duration(passage: str) -> None:
    assert aspect("how long does the path take", passage).score == -1.0


def test_how_fast_something_changes_asks_for_no_duration() -> None:
    assert aspect("is it hard to keep up with how fast machine learning changes", "").score == 0
    assert aspect("how fast can I get through the path", OVERVIEW).score == -1.0


def test_months_are_given_by_another_passage_the_answer_shows() -> None:
    ladder = "Support career ladder: Junior, Senior, Team Lead, Manager, Director."
    question = "I'm already a support engineer aiming for a lead role, how long is the path for me"
    assert aspect(question, ladder).score == -1.0
    assert aspect(question, ladder, shown=MONTHS).score == 1.0
    # Topic words are read from the best file only: a word on hiring elsewhere is no advice.
    hiring = "Companies hire support engineers with a portfolio of solved tickets."
    assert aspect("how do I write a cover letter", ladder, shown=hiring).score == -1.0


def test_how_much_it_costs_wants_a_price() -> None:
    question = "how much does the team plan cost per month"
    tools = "- Google Colab whenever my laptop needed a free GPU\n- Streamlit for demo apps"
    assert aspect(question, tools).missing == ("a price",)
    assert aspect(question, "The team plan is $25 a month per seat.").score == 1.0
    assert aspect(question, "The course is free for everyone.").score == 1.0


def test_money_for_study_is_asked_for() -> None:
    for question in (
        "how do I apply for a student loan for a computer science degree",
        "can I deduct my online courses from my taxes",
    ):
        found = aspect(question, OVERVIEW)
        assert "financing or tax advice" in found.missing, question
    # "GRANT" in SQL and a taxonomy are neither.
    assert aspect("grant select on a table to a role", OVERVIEW).score == 0.0
    assert aspect("what is a taxonomy of machine learning models", OVERVIEW).score == 0.0


async def test_a_stated_degree_is_answered_where_the_guide_gives_the_weeks(
    tmp_path: Path, make_config: Config
) -> None:
    guide = await KnowledgeBase.open(make_config(career_guide(tmp_path)))
    cards = await KnowledgeBase.open(make_config(topic_cards(tmp_path)))
    stated = "I have a computer science degree, how many weeks is the pipelines module"
    decision = await guide.judge(stated, await guide.search(stated, top_k=5))
    # Read as a degree question it was refused (confidence 0.01): the guide names no degree.
    assert decision.answered, decision.explain()
    assert "the question asks for a duration; the passage gives one" in decision.explain()
    assert (await guide.ask(stated)).answered
    refused = await cards.judge(stated, await cards.search(stated, top_k=5))
    assert not refused.answered, refused.explain()
    assert "the question asks for a duration; the passage gives none" in refused.explain()
    # Asking whether a degree is needed is still a question the guide does not answer.
    for guard in ("do I need a degree to become a data engineer",):
        for kb in (guide, cards):
            judged = await kb.judge(guard, await kb.search(guard, top_k=5))
            assert not judged.answered, judged.explain()
            assert f"asks for a {DEGREE}; the passage gives none" in judged.explain()
    await guide.close()
    await cards.close()
