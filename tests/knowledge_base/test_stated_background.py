"""A question judged by what it asks, not by the background the learner states (index/stated.py).

"I have a CS degree, how long will the cloud support path take me" asks for the path's weeks;
the degree is who is asking. Judged whole, the stated clause pulls the question toward the
near-miss career twins and adds words the guide never uses, and a guide that gives the weeks
refused it. The decision now judges the asked part and ranks the whole question; a pay question
with a stated background is still refused by a guide that gives no pay. The small guide below is
written for these tests; the real model, FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.cover_questions import AboutTopic
from index.search import IndexConfig, KnowledgeBase
from index.spelling import Checked
from index.stated import asked_part, judged
from tests.knowledge_base.test_career_guides import career_guide, topic_cards

Config = Callable[..., IndexConfig]

# One getting-started page of a career path, in the layout of a Docusaurus learning path: what
# the job is, the modules with their weeks, and the weeks per background. No pay anywhere.
GUIDE = {
    "getting-started.md": """---
title: Getting Started with Cloud Support Engineering
---

## What a cloud support engineer does

- Answers customer tickets about virtual machines, storage buckets and networking
- Reproduces problems in a test account and writes clear, step-by-step replies
- Hands hard cases to the platform team with logs and a timeline

## Path structure

- Module 1: Linux and shell basics (4 weeks)
- Module 2: Networking and DNS (5 weeks)
- Module 3: Cloud compute and storage (6 weeks)
- Module 4: Troubleshooting and ticket writing (3 weeks)

## Weeks by background

- Complete beginners: about 24 weeks at ten hours a week
- Help desk or IT support staff: 14-16 weeks, skipping most of Module 1
- Software developers: 10-12 weeks, focused on networking and ticket writing
""",
    "01-linux.md": """---
title: Linux and Shell Basics
---

## Files and processes

- Navigating the file system, permissions and ownership
- Finding a runaway process and reading its logs

## Shell scripting

- Loops, pipes and exit codes in small scripts that collect diagnostics
""",
}

DURATION = "how long will the cloud support path take me"


def guide(root: Path) -> Path:
    folder = root / "paths" / "cloud-support"
    folder.mkdir(parents=True)
    (folder / "_category_.json").write_text('{"label": "Cloud Support"}', encoding="utf-8")
    for name, text in GUIDE.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root / "paths"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        (f"I have a CS degree, {DURATION}", DURATION),
        (f"as a self-taught dev, {DURATION}", DURATION),
        (f"former lawyer here: {DURATION}", DURATION),
        (f"I'm a data engineer with 3 years of experience, {DURATION}", DURATION),
        (f"coming from IT support, {DURATION}", DURATION),
    ],
)
def test_the_asked_part_leaves_out_the_stated_background(question: str, asked: str) -> None:
    assert asked_part(question) == asked


@pytest.mark.parametrize(
    "question",
    [
        DURATION,  # nothing stated
        "I have no degree, can I become a cloud support engineer",  # the lack is the ask
        "do I need a degree to become a cloud support engineer",
        "my salary is too low for a support engineer",  # only a statement: its ask
        # The learner's things state the problem asked about, not who asks.
        "my queries are slow, how do I make them faster",
        "write a service file so my app starts again after a reboot",
        # Too short an ask takes its subject from the statement.
        "I am new to all this, what helps",
    ],
)
def test_a_question_without_a_stated_background_is_judged_whole(question: str) -> None:
    checked = Checked(question, question, (), (), ())
    assert judged(checked) is checked


def test_a_cover_question_keeps_its_topic() -> None:
    cover = AboutTopic("I'm new, does it cover dns", "dns", (), ("dns",), (), "i'm new, ...")
    assert judged(cover) is cover


def test_the_judged_words_are_the_asked_parts() -> None:
    question = f"as a self-taught dev, {DURATION}"
    checked = Checked(question, question, (), ("cloud", "support"), ("self-taught", "dev"))
    found = judged(checked)
    assert found.text == DURATION
    assert found.known == ("cloud", "support")
    assert found.unknown == ()


async def test_a_stated_background_is_answered_by_the_weeks_and_pay_still_refused(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(guide(tmp_path)))
    for question in (
        f"I have a CS degree, {DURATION}",
        f"as a self-taught dev, {DURATION}",
    ):
        hits = await kb.search(question, top_k=5)
        decision = await kb.judge(question, hits)
        assert decision.answered, decision.explain()
        assert f"judged on: {DURATION}" in decision.explain()
        assert "the passage gives one" in decision.explain()
        # Ranked by the whole question: the guide's weeks are what the answer shows.
        answer = await kb.ask(question)
        assert answer.answered
        assert answer.passages[0].citation.source == "cloud-support/getting-started.md"
    for question in (
        "I have a nursing degree, how much do cloud support engineers earn",
        "former lawyer here: what salary does a cloud support engineer get",
        "as a self-taught dev, is a cloud support bootcamp worth the money",
    ):
        refused = await kb.ask(question)
        assert not refused.answered, question
        assert refused.confidence < 0.5
    await kb.close()


async def test_the_reported_degree_question_is_answered_by_the_guide_and_refused_by_cards(
    tmp_path: Path, make_config: Config
) -> None:
    # The case of the aspect10 report: 0.04 on the guide judged whole, 0.81 without the degree.
    guide_kb = await KnowledgeBase.open(make_config(career_guide(tmp_path)))
    cards_kb = await KnowledgeBase.open(make_config(topic_cards(tmp_path)))
    question = "I have a CS degree, how long will the data engineering path take me"
    answered = await guide_kb.judge(question, await guide_kb.search(question, top_k=5))
    assert answered.answered, answered.explain()
    assert "cs" not in answered.unknown  # the stated part's words are not judged
    refused = await cards_kb.judge(question, await cards_kb.search(question, top_k=5))
    assert not refused.answered, refused.explain()
    assert "the passage gives none" in refused.explain()
    await guide_kb.close()
    await cards_kb.close()
