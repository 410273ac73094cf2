"""The answer's shape as a learner reads it: a takeaway line that says the answer, then the
supporting passages grouped by document, cut where a sentence or list item ends, the same in
Discord and in the terminal."""

from __future__ import annotations

import asyncio
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli.knowledge import format_answer
from bot.discord.embeds import answer_embed, excerpt
from bot.qa.followup import carried_subject, contextual_query
from index.documents import Answer, Citation, Passage
from index.search import KnowledgeBase
from index.takeaway import TAKEAWAY_MAX, takeaway, units
from index.takeaway import excerpt as cut
from tests.discord_bot.conftest import SESSION_LOOP, Running, World
from tests.fake_discord.models import check_embed_limits

OVERFITTING = "What is overfitting and how do I prevent it?"
LEARNING_RATE = "How do I choose a learning rate?"

# Markdown made of the pieces passages are made of: sentences, lead-ins, list items.
sentence = st.sampled_from(
    [
        "Hold out a validation set.",
        "Stop training early when validation loss rises.",
        "It helps.",
        "Regularization adds a penalty for large weights, e.g. L2 weight decay.",
        "A longer sentence that goes on about data, models, features and their many quirks.",
    ]
)
lead_in = st.sampled_from(
    ["Three things help:", "They do three things.", "Use these steps:", "**Options**:"]
)
item = st.sampled_from(["- More data.", "- Dropout:", "1. Simpler models, fewer layers.", "- x"])
markdown = st.lists(
    st.one_of(sentence, lead_in, item, st.just(""), st.just("## Heading")), max_size=14
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(text=markdown, limit=st.integers(20, 400))
def test_no_excerpt_ends_on_a_lead_in(text: str, limit: int) -> None:
    assert not excerpt(text, limit).rstrip().endswith(":")
    shown = cut(text, limit)
    # A lead-in is followed by at least what it leads to, or says that more follows.
    assert not shown or not shown[-1].lead_in or shown[-1].text.endswith("…")


def test_a_list_cut_short_keeps_its_lead_in_and_first_items() -> None:
    text = (
        "Regularisation fights overfitting. They do three things:\n"
        "- Weight decay shrinks every weight a little at each step of training.\n"
        "- Dropout switches off random units so no unit can rely on another.\n"
        "- Early stopping ends training when validation loss starts to rise."
    )
    shown = excerpt(text, 60)
    assert shown.startswith("Regularisation fights overfitting. They do three things:\n• Weight")
    assert shown.count("\n• ") == 1
    assert shown.endswith("…")  # says that the list goes on
    # A chunk that ends on its lead-in (the list went to the next one): the lead-in goes.
    first = text.split("\n", 1)[0]
    assert excerpt(first, 200) == "Regularisation fights overfitting."


def test_sentences_split_where_they_end_not_at_abbreviations() -> None:
    found = units("Use a schedule, e.g. Cosine decay works. It trains faster. Dr. Ng agrees.")
    assert [u.text for u in found] == [
        "Use a schedule, e.g. Cosine decay works.",
        "It trains faster.",
        "Dr. Ng agrees.",
    ]


def test_carried_subject_names_the_earlier_question() -> None:
    history = ["what is overfitting?"]
    query = contextual_query("how do I prevent it?", history)
    assert carried_subject("how do I prevent it?", query) == "what is overfitting?"
    assert (
        carried_subject(
            "what is dropout in neural networks?", "what is dropout in neural networks?"
        )
        is None
    )


def test_terminal_never_breaks_a_link() -> None:
    url = "https://example.org/a-very-long-path/with-many-hyphenated-words/that-would-wrap?x=1"
    citation = Citation("Learning rates", "Picking one", url, "lr.md")
    text = f"Read [the long guide]({url}) before you pick one. Then run a range test."
    answer = Answer("lr?", True, (Passage(text, 1, citation, None, None),), takeaway=None)
    out = format_answer(answer, width=50)
    lines = out.split("\n")
    assert f"  {url}" in lines  # the document's link on a line of its own
    assert any(line.strip() == f"({url})" for line in lines)  # the inline one, whole
    assert out.count("Learning rates") == 1


async def _answer(knowledge: KnowledgeBase, question: str) -> Answer:
    answer = await knowledge.ask(question)
    assert answer.answered
    return answer


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("What is overfitting?", "learns the noise"),
        ("How do I prevent overfitting?", "regularization"),
        ("How should I version large datasets and model weights?", "Git LFS or DVC"),
        ("What does the learning rate do?", "how far gradient descent moves the weights"),
        ("How do I pick a learning rate?", "range test"),
    ],
)
@SESSION_LOOP
async def test_the_takeaway_answers_clear_questions(
    knowledge: KnowledgeBase, question: str, says: str
) -> None:
    answer = await _answer(knowledge, question)
    assert answer.takeaway is not None
    assert says in answer.takeaway
    assert len(answer.takeaway) <= TAKEAWAY_MAX
    # Whole sentences of the best document, not cut ones.
    best = answer.passages[0].citation.source
    texts = [" ".join(p.text.split()) for p in answer.passages if p.citation.source == best]
    assert any(answer.takeaway in text for text in texts)


@SESSION_LOOP
async def test_a_lead_in_takeaway_brings_its_items(knowledge: KnowledgeBase) -> None:
    text = (
        "Spaced repetition is simple to start.\n\nThree habits make it stick:\n"
        "- Review every card the day after you write it.\n- Keep each card to one fact.\n"
        "- Study a little every day rather than a lot once a week."
    )
    question = "which habits make spaced repetition stick?"
    line = await asyncio.to_thread(takeaway, question, text, knowledge.embedder)
    assert line is not None
    assert line.startswith("Three habits make it stick: Review every card")
    assert "one fact" in line


@SESSION_LOOP
async def test_each_document_is_named_once_in_discord_and_terminal(
    knowledge: KnowledgeBase,
) -> None:
    answer = await _answer(knowledge, "What is overfitting?")
    assert [p.citation.title for p in answer.passages].count(OVERFITTING) >= 2
    description = answer_embed(answer).description or ""
    assert description.count(OVERFITTING) == 1
    assert description.startswith(f"> {answer.takeaway}")
    terminal = format_answer(answer, width=80)
    assert terminal.count(OVERFITTING) == 1
    assert terminal.startswith("In short: ")
    # Both sections are there, under the one title.
    for passage in answer.passages:
        assert passage.citation.section in description
        assert passage.citation.section in terminal


@SESSION_LOOP
async def test_ask_answers_with_a_takeaway_and_the_title_linked_once(
    running: Running, world: World
) -> None:
    result = await world.fake.slash(
        world.guild, world.alice, "ask", question="How do I pick a learning rate?"
    )
    (embed,) = result.message.embeds
    assert embed["title"] == "How do I pick a learning rate?"
    description = embed["description"]
    takeaway_line, blank, title = description.split("\n")[:3]
    assert takeaway_line.startswith("> ")
    assert "range test" in takeaway_line
    assert blank == ""
    assert title == f"**[{LEARNING_RATE}](https://example.org/learning-rate-guide)**"
    assert description.count(LEARNING_RATE) == 1
    assert not re.search(r":\s*$", description, re.MULTILINE)
    assert not check_embed_limits(result.message.embeds)


@SESSION_LOOP
async def test_a_follow_up_keeps_the_learners_words_as_its_title(
    running: Running, world: World
) -> None:
    fake = world.fake
    await fake.slash(world.guild, world.admin, "config answer-channel", channel=world.questions)
    question = await fake.message(world.questions, world.alice, "what is overfitting?")
    answer = await question.wait_reply()
    follow_up = await fake.message(
        world.questions, world.alice, "how do I prevent it?", reply_to=answer
    )
    (embed,) = (await follow_up.wait_reply()).embeds
    assert embed["title"] == "how do I prevent it?"
    assert embed["footer"]["text"].startswith(
        "Read with your earlier question “what is overfitting?”."
    )
    assert OVERFITTING in embed["description"]
