"""Which follow-ups borrow the conversation's subject, and which stand on their own."""

from __future__ import annotations

import readline
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.cli.line_editing import LineEditing
from bot.qa.followup import (
    contextual_query,
    mentions_any,
    needs_context,
    subject_of,
    topic_words,
)
from bot.qa.service import MAX_QUESTION_CHARS

HISTORY = ["What is overfitting?"]
ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "bench" / "eval" / "followups.yaml"
KNOWLEDGE = ROOT / "knowledge"


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
    # Half of its own words at least: "beginners" alone does not make a guitar question ML.
    assert not mentions_any("a good guitar for beginners?", ["Kaggle is fine for beginners"])
    assert mentions_any("and when is paying worth it?", ["When to pay for compute: worth it"])


@given(st.text(max_size=MAX_QUESTION_CHARS), st.lists(st.text(max_size=MAX_QUESTION_CHARS)))
def test_the_query_always_fits_a_question(question: str, history: list[str]) -> None:
    query = contextual_query(question, history)
    assert query.startswith(question)
    assert len(query) <= len(question) + 203


def test_the_follow_up_eval_set_is_ours_and_complete() -> None:
    data = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    assert data["corpus"] == "knowledge"
    conversations = data["conversations"]
    answerable = [c for c in conversations if c["relevant"]]
    assert len(answerable) >= 40
    for c in conversations:
        assert c["first"].strip()
        assert c["follow_up"].strip()
        for name in c["relevant"]:
            assert (KNOWLEDGE / name).is_file(), name


def test_chat_history_survives_between_chats(tmp_path: Path) -> None:
    history = tmp_path / "data" / "chat_history"
    editing = LineEditing.enable(history)
    assert editing is not None  # CPython on Linux and macOS ships readline
    readline.clear_history()
    try:
        editing.add("what is overfitting?")
        editing.add("how do I prevent it?")
        editing.save()
        readline.clear_history()
        again = LineEditing.enable(history)
        assert again is not None
        assert again.lines()[-2:] == ["what is overfitting?", "how do I prevent it?"]
        # A history file that is not one is replaced, not fatal.
        history.write_bytes(b"\xff\xfe not a history")
        assert LineEditing.enable(history) is not None
    finally:
        readline.clear_history()


def test_contractions_are_no_topic_words() -> None:
    assert topic_words("and what's the weather in Lisbon tomorrow?") == [
        "weather",
        "lisbon",
        "tomorrow",
    ]
    assert topic_words("and what doesn't?") == []
    assert topic_words("I'm stuck, what’s next?") == ["stuck"]
