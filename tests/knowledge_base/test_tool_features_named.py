"""A named feature of a tool the topic cards cover, which no card mentions, is "not covered".

On a tree of one-paragraph topic cards a question about a named feature of a tool the tree has
a card for ("a kafka consumer group", "a horizontal pod autoscaler") finds the tool's card and
reads close to it. `index/tool_features.txt` (written by us) knows which words form such a name;
a name the cards never write is evidence the knowledge base cannot explain it (issue 12, round
12; index/tool_features.py). A feature a card does name is answered, in the card's words or in
the other order ("autoscaling pods" names the pod autoscaler). Cards written for the test; the
real model, FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.conftest import titled_pages

Config = Callable[..., IndexConfig]

CARDS = {
    "kafka.md": (
        "Apache Kafka",
        "Kafka is a distributed log for streams of events. Producers append events to topics, "
        "topics are split into partitions spread over brokers, and consumers read them at "
        "their own pace, keeping an offset of where they stopped.",
    ),
    "kubernetes.md": (
        "Kubernetes",
        "Kubernetes runs containers on a cluster of machines. You describe pods, deployments "
        "and services in YAML manifests, and it keeps the cluster in that state. When load "
        "grows it can add replicas for you: autoscaling pods by their CPU use.",
    ),
    "postgresql.md": (
        "PostgreSQL",
        "PostgreSQL is an open-source relational database. It answers SQL queries, enforces "
        "keys and constraints, and supports window functions for running totals and ranks "
        "without collapsing rows.",
    ),
    "python.md": (
        "Python",
        "Python is a general-purpose language that data teams use for scripts, notebooks and "
        "pipelines. Its standard library reads files, talks to the web and parses JSON.",
    ),
}


def cards(root: Path) -> Path:
    return titled_pages(root / "cards", CARDS)


@pytest.fixture
async def kb(tmp_path: Path, make_config: Config) -> AsyncIterator[KnowledgeBase]:
    base = await KnowledgeBase.open(make_config(cards(tmp_path)))
    yield base
    await base.close()


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("how do kafka consumers keep track of where they stopped", "kafka.md"),
        ("what are kafka partitions", "kafka.md"),
        ("running totals with postgresql window functions", "postgresql.md"),
        # The card says "autoscaling pods": the same stems in the other order.
        ("how does the kubernetes pod autoscaler work", "kubernetes.md"),
    ],
)
async def test_what_a_card_says_is_answered(kb: KnowledgeBase, question: str, card: str) -> None:
    answer = await kb.ask(question)
    assert answer.answered, question
    assert answer.passages[0].citation.source == card


@pytest.mark.parametrize(
    ("question", "feature"),
    [
        ("how does kafka consumer group rebalancing work", "consumer group"),
        ("set up a horizontal pod autoscaler on kubernetes", "horizontal pod autoscaler"),
        ("kubernetes pod disruption budget", "pod disruption budget"),
        ("how does postgresql logical replication work", "logical replication"),
        ("what is the python global interpreter lock", "global interpreter lock"),
    ],
)
async def test_a_named_feature_no_card_mentions_is_refused(
    kb: KnowledgeBase, question: str, feature: str
) -> None:
    decision = await kb.judge(question, await kb.search(question, top_k=5))
    assert not decision.answered, question
    assert decision.confidence == 0.0
    assert decision.feature == feature
    assert f"the knowledge base never mentions {feature}" in decision.explain()
    answer = await kb.ask(question)
    assert not answer.answered
    assert answer.passages == ()


async def test_a_question_naming_no_listed_feature_is_judged_as_before(kb: KnowledgeBase) -> None:
    question = "what does kafka keep for each consumer"
    decision = await kb.judge(question, await kb.search(question, top_k=5))
    assert decision.feature == ""
    assert "never mentions" not in decision.explain()
