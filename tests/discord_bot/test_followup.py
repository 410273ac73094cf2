"""Which follow-ups borrow the conversation's subject, and which stand on their own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.qa.followup import contextual_query, mentions_any, needs_context, subject_of
from bot.qa.service import MAX_QUESTION_CHARS

HISTORY = ["What is overfitting?"]


@pytest.mark.parametrize(
    "follow_up",
    ["tell me more", "how do I prevent it?", "and for data engineers?", "why?", "examples?"],
)
def test_vague_follow_ups_carry_the_subject(follow_up: str) -> None:
    assert contextual_query(follow_up, HISTORY) == f"{follow_up} (What is overfitting?)"


@pytest.mark.parametrize(
    "question",
    [
        "how do I pick a learning rate for adam?",
        "which pizza topping is best in Naples?",
        "can data engineers become machine learning engineers?",
    ],
)
def test_a_question_with_its_own_subject_is_searched_as_asked(question: str) -> None:
    assert not needs_context(question)
    assert contextual_query(question, HISTORY) == question


def test_the_subject_is_the_latest_question_that_stands_alone() -> None:
    history = ["what is overfitting?", "how do I prevent it?", "tell me more"]
    assert subject_of(history) == "what is overfitting?"
    assert subject_of(["thanks!", "tell me more"]) is None
    assert contextual_query("more?", []) == "more?"


def test_a_follow_up_that_changed_subject_is_noticed() -> None:
    passages = ["Overfitting › How to prevent it: use dropout and early stopping"]
    assert mentions_any("and dropout?", passages)
    assert not mentions_any("and pizza?", passages)
    assert mentions_any("tell me more", passages)  # no words of its own: nothing to check


@given(st.text(max_size=MAX_QUESTION_CHARS), st.lists(st.text(max_size=MAX_QUESTION_CHARS)))
def test_the_query_always_fits_a_question(question: str, history: list[str]) -> None:
    query = contextual_query(question, history)
    assert query.startswith(question)
    assert len(query) <= len(question) + 203
