"""Ranking on a tree of one-paragraph topic files: a learner names a topic in other words.

The weakness issue 12 measured on a real docs tree: the topic file's title names a concept
("Data Lineage") and the learner describes it ("what fed the numbers on my dashboard"). The
fixture is a small tree written for this test (twenty topics across five folders, like a roadmap
site); each question shares no word with its topic's file, so only the meaning can find it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.lexical import tokenize
from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.conftest import titled_pages

Config = Callable[..., IndexConfig]

TOPICS = {
    "data/lineage.md": (
        "Data Lineage",
        "Lineage records where each dataset originates, which jobs transformed it and where "
        "it flows next, so an analyst can trace a suspicious figure in a report back to the "
        "source system that produced it.",
    ),
    "data/orchestration.md": (
        "Workflow Orchestration",
        "An orchestrator such as Airflow or Prefect runs pipeline tasks in the order their "
        "dependencies require, retries the ones that fail and schedules the whole graph.",
    ),
    "data/partitioning.md": (
        "Partitioning",
        "Splitting a large table by date or key lets queries read only the slices they need "
        "and lets old slices be dropped cheaply.",
    ),
    "data/streaming.md": (
        "Stream Processing",
        "Kafka and Flink handle events as they arrive instead of in nightly batches, keeping "
        "dashboards and alerts seconds behind reality.",
    ),
    "ml/drift.md": (
        "Model Drift",
        "A deployed predictor slowly loses accuracy when the data it sees in production stops "
        "resembling its training data; monitoring input distributions and live error rates "
        "reveals the decay so that it can be retrained.",
    ),
    "ml/pooling.md": (
        "Pooling Layers",
        "Max and average pooling shrink a convolutional network's feature maps, keeping the "
        "strongest activations and making the network tolerant of small shifts.",
    ),
    "ml/lasso.md": (
        "Lasso Regression",
        "Lasso adds the absolute size of the coefficients to the loss, which drives some of "
        "them to exactly zero and so selects features.",
    ),
    "ml/confusion-matrix.md": (
        "Confusion Matrix",
        "A grid of true and false positives and negatives shows which classes a classifier "
        "mixes up; precision and recall are read from it.",
    ),
    "ai/prompt-injection.md": (
        "Prompt Injection",
        "An attacker hides instructions inside user input or a retrieved web page, hoping the "
        "language model obeys them instead of its system prompt; filtering inputs and limiting "
        "tool permissions reduce the damage.",
    ),
    "ai/embeddings.md": (
        "Embeddings",
        "An embedding maps text to a vector so that texts with similar meaning lie close "
        "together, which semantic search and clustering rely on.",
    ),
    "ai/rag.md": (
        "Retrieval-Augmented Generation",
        "The application first searches its documents for passages related to the request and "
        "puts them in the prompt, so the language model answers from them.",
    ),
    "ai/fine-tuning.md": (
        "Fine-Tuning",
        "Training a pretrained language model further on a few thousand examples of a task "
        "adapts its style and format to that task.",
    ),
    "python/gil.md": (
        "Global Interpreter Lock",
        "CPython lets only one thread execute bytecode at a time, so CPU-bound code gains "
        "little from threads and uses several processes instead.",
    ),
    "python/decorators.md": (
        "Decorators",
        "A decorator is a function that takes another function and returns a wrapped version, "
        "adding behaviour such as caching, timing or access checks.",
    ),
    "python/virtualenv.md": (
        "Virtual Environments",
        "Each project gets its own folder of installed packages, so two projects can depend "
        "on different versions of the same library.",
    ),
    "python/generators.md": (
        "Generators",
        "A function containing yield produces its values one at a time as the caller asks for "
        "them, instead of building the whole list in memory.",
    ),
    "sql/lag.md": (
        "LAG",
        "This window function returns a value from an earlier row of the result, for example "
        "yesterday's price beside today's, without a self-join.",
    ),
    "sql/coalesce.md": (
        "COALESCE",
        "Returns the first of its arguments that is not NULL: the usual way to substitute a "
        "fallback when a column has no value.",
    ),
    "sql/views.md": (
        "Views",
        "A stored query that can be selected from as if it were a table, hiding joins and "
        "limiting which columns a user sees.",
    ),
    "sql/grant.md": (
        "GRANT and REVOKE",
        "These statements give a user or role permission to read or change a table, and take "
        "that permission away again.",
    ),
}

# Each question describes its topic without a word of the topic's file (title or text).
PARAPHRASES = [
    ("find out what fed the numbers on my dashboard", "data/lineage.md"),
    ("start each step only after the steps it needs have finished", "data/orchestration.md"),
    ("my classifier got worse months after we shipped it", "ml/drift.md"),
    ("someone tricks the chatbot into breaking the rules", "ai/prompt-injection.md"),
    ("why doesn't my program get faster with more processors", "python/gil.md"),
    ("compare each day's sales with the day before", "sql/lag.md"),
]


@pytest.fixture
def topic_tree(tmp_path: Path) -> Path:
    return titled_pages(tmp_path / "docs", TOPICS)


async def test_a_topic_is_found_by_its_title_or_described_in_other_words(
    topic_tree: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(topic_tree))
    for source, (title, _) in TOPICS.items():
        hits = await kb.search(f"what is {title.lower()}", top_k=5)
        assert hits[0].chunk.citation.source == source, title
    passages = {c.citation.source: c.lexical_text for c in kb.snapshot.chunks}
    missed = []
    for question, source in PARAPHRASES:
        # Not one word in common with its topic, even as the lexical ranker reads the question
        # (typos corrected): BM25 alone cannot find it, the meaning must.
        asked = set(kb.snapshot.lexical.terms(question))
        shared = asked & set(tokenize([passages[source]])[0])
        assert not shared, f"{question!r} shares {shared} with {source}"
        hits = await kb.search(question, top_k=10)
        files = list(dict.fromkeys(h.chunk.citation.source for h in hits))
        if source not in files[:5]:
            missed.append(f"{question!r} -> {files[:5]}")
    assert not missed, missed
