"""Short keyword look-ups: a bare two-word name that a long passage mentions once is answered
with that passage; one that the knowledge base never names is refused.

A learner types "jupyter notebooks" to find where a long article mentions them. Against a
passage of a few hundred words the look-up gets a low cosine (the passage is about much more);
the decision (index/calibration.py) answers it because the passage names every word of it
(index/wording.py `coverage`) and little of it is left unexplained (index/leftover.py). Issue 12,
round 10 measured this kind with a generated probe (bench/keyword_probe.py). The articles below
are ours, in the shape of the long messy articles of ../shared/corpora/seeds. The real model,
FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.conftest import titled_pages

Config = Callable[..., IndexConfig]

ARTICLES = {
    "switching-careers.md": (
        "Switching from accounting to data analysis",
        "I spent six years closing the books every month before I wrote my first query. The "
        "change did not happen in one step: first I automated the reconciliations that took me "
        "two days each month, then I volunteered for every report nobody else wanted, and only "
        "after a year did I apply for an analyst role. What helped most was practice on real "
        "problems from my own job rather than tutorials, because I already knew what a wrong "
        "number looked like. I kept my experiments in Jupyter notebooks so that I could show "
        "my manager each step, I asked the finance systems team to explain how the ledger "
        "tables were joined, and I joined the local IEEE and ACM groups, whose evening talks "
        "introduced me to people who later reviewed my portfolio. Looking back, the hardest "
        "part was not the statistics but admitting how much of my old work had been copying "
        "numbers between spreadsheets by hand, and deciding that this was the part of the job "
        "I wanted to stop doing.",
    ),
    "study-habits.md": (
        "How I study after work",
        "With a full-time job the only time left is the evening, so every session has to "
        "count. I study for forty minutes, stop for ten, and never more than three rounds in "
        "a night, because after that I only reread the same page. New terms go into Anki "
        "flashcards the same evening, and I review the due cards on the bus the next morning, "
        "which is the one habit that made definitions stick. At the weekend I pick one topic "
        "from the week and explain it out loud as if to a colleague; whatever I cannot explain "
        "goes on the list for the next week. I keep a plain text log of what I studied and for "
        "how long, and once a month I read it back to see whether the plan still matches what "
        "I actually do. The state of my notes tells me more than any streak counter: a page "
        "I rewrote twice is a topic I have not understood yet.",
    ),
    "first-project.md": (
        "My first end-to-end project",
        "The project that finally got me interviews was small: predicting late payments for "
        "the invoices of a made-up company. I cleaned the data, wrote down every assumption in "
        "the README, compared two simple models and explained in plain words why the simpler "
        "one was good enough. Recruiters rarely read the code, but they read the first "
        "paragraph of the README, so that paragraph said what the model does, how well and "
        "for whom.",
    ),
}


def articles(root: Path) -> Path:
    """A folder of the articles above."""
    return titled_pages(root / "articles", ARTICLES)


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("jupyter notebooks", "switching-careers.md"),
        ("ieee and acm groups", "switching-careers.md"),
        ("anki flashcards", "study-habits.md"),
    ],
)
async def test_a_bare_name_a_long_passage_mentions_once_is_answered_with_it(
    tmp_path: Path, make_config: Config, question: str, article: str
) -> None:
    kb = await KnowledgeBase.open(make_config(articles(tmp_path)))
    answer = await kb.ask(question)
    assert answer.answered, (question, answer.confidence)
    assert answer.passages[0].citation.source == article
    await kb.close()


async def test_a_bare_name_the_knowledge_base_never_names_is_refused(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(articles(tmp_path)))
    for question in ("sourdough starter", "quickbooks payroll", "svelte stores"):
        answer = await kb.ask(question)
        assert not answer.answered, (question, answer.confidence)
        assert answer.passages == ()
    await kb.close()


async def test_a_bundled_name_the_speller_reads_as_a_corpus_word_is_still_refused(
    tmp_path: Path, make_config: Config
) -> None:
    # "stata" is one letter from the articles' "state": the speller reads the question as "state
    # notes", but a bundled technology typed exactly is that technology, which they never name.
    kb = await KnowledgeBase.open(make_config(articles(tmp_path)))
    question = "stata notes"
    decision = await kb.judge(question, await kb.search(question, top_k=5))
    assert not decision.answered
    assert decision.absent == "stata"
    assert "names stata, which this knowledge base never mentions" in decision.explain()
    assert not (await kb.ask(question)).answered
    await kb.close()
