"""What a question asks for, and whether a passage gives it (index/aspects.py).

The calibrated decision weighs it (index/calibration.py); these pin down the reading itself on
passages written for these tests: a duration is a number of weeks or months, a pay figure is an
amount, a link title is not what the passage says, and most questions ask for none of it.
"""

from __future__ import annotations

import pytest

from index.aspects import aspect, families

PATHWAYS = """- **Personalized pathways**
  - Complete beginners: 12-16 months for the whole curriculum
  - Data analysts: 8-10 months, focused on Python and pipeline engineering"""

SQL_CARD = """SQL is the language of relational databases: joins, grouping and window functions.

- [@article@How I learned SQL in 2 weeks](https://example.com/sql-in-two-weeks)"""


def test_a_duration_question_is_given_months_and_not_a_definition() -> None:
    given = aspect("how many months to become a data engineer with no experience", PATHWAYS)
    assert given.score == 1.0
    assert given.explain() == "the question asks for a duration; the passage gives one"
    # A link title names another page; the card itself never says how long SQL takes.
    missing = aspect("how many weeks does it take to learn sql from scratch", SQL_CARD)
    assert missing.score == -1.0
    assert missing.explain() == "the question asks for a duration; the passage gives none"


def test_a_pay_question_wants_an_amount_where_it_asks_how_much() -> None:
    says_it_pays = "Companies of every size hire data engineers, and the work pays well."
    # "the work pays well" answers whether it pays, not how much.
    assert aspect("do data engineers get paid well", says_it_pays).score == 1.0
    how_much = aspect("how much does a data engineer earn", says_it_pays)
    assert how_much.missing == ("a pay figure",)
    assert aspect("how much does a data engineer earn", "Juniors start near $85k.").score == 1.0


@pytest.mark.parametrize(
    "question",
    [
        "how do I write a smart contract in solidity",
        "what is a window function",
        "how does an orchestrator retry failed tasks",
        "cache the prompt prefix to cut latency",
    ],
)
def test_most_questions_ask_for_nothing_listed(question: str) -> None:
    found = aspect(question, PATHWAYS)
    assert found.score == 0.0
    assert found.explain() == ""


def test_every_family_has_cues_and_evidence() -> None:
    names = [f.name for f in families()]
    assert {"duration", "pay", "degree", "visa", "legal"} <= set(names)
    for family in families():
        assert family.ask, family.name
        assert family.give, family.name
