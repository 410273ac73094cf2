"""Answer or "not covered", and typos: the calibrated decision on the fixture knowledge base.

The real model, real FAISS and BM25 over tests/knowledge_base/fixtures/kb (a few articles on
overfitting and gradient descent, a study-habits guide, a path and resources).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from index import calibration
from index.search import IndexConfig, KnowledgeBase
from index.spelling import Speller

Config = Callable[..., IndexConfig]


async def test_a_clearly_covered_question_is_answered_with_confidence(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    answer = await kb.ask("how can I stop my model from overfitting?")
    assert answer.answered
    assert answer.confidence >= 0.5
    assert answer.passages[0].citation.source == "articles/ml-basics/overfitting.md"
    await kb.close()


@pytest.mark.parametrize(
    "question",
    [
        # Careers and law next to an ML corpus: the corpus never speaks of pay or scraping.
        "how much do machine learning engineers earn",
        "is it legal to scrape linkedin for training data",
        # Technology near the topic, with words the corpus never uses.
        "how does postgresql autovacuum decide when to run",
    ],
)
async def test_a_near_miss_is_refused_with_what_is_covered(
    kb_dir: Path, make_config: Config, question: str
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    answer = await kb.ask(question)
    assert not answer.answered
    assert answer.confidence < 0.5
    assert answer.passages == ()
    assert answer.covered  # the learner is told what they can ask about
    await kb.close()


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("how do I stopp my modle from overfiting", "articles/ml-basics/overfitting.md"),
        ("whats the lerning rate in gradiant descent", "articles/ml-basics/gradient-descent.md"),
    ],
)
async def test_a_question_with_two_or_three_typos_is_answered(
    kb_dir: Path, make_config: Config, question: str, source: str
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    answer = await kb.ask(question)
    assert answer.answered
    assert answer.passages[0].citation.source == source
    await kb.close()


async def test_judge_explains_the_decision_with_the_unknown_words(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    question = "how does postgresql autovacuum decide when to run"
    decision = await kb.judge(question, await kb.search(question, top_k=5))
    assert not decision.answered
    assert "autovacuum" in decision.unknown
    assert "not covered" in decision.explain()
    assert "autovacuum" in decision.explain()
    covered = "how can I stop my model from overfitting?"
    decision = await kb.judge(covered, await kb.search(covered, top_k=5))
    assert decision.answered
    assert decision.unknown == ()
    await kb.close()


async def test_the_corpus_scale_is_saved_and_reused_after_a_restart(
    kb_dir: Path, make_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    first = await kb.ask("how can I stop my model from overfitting?")
    await kb.close()
    saved = json.loads((config.home / "calibration.json").read_text(encoding="utf-8"))
    # Off-topic questions land well below the corpus's own headings.
    assert 0.0 <= saved["off_topic"] < saved["headings"] <= 1.0

    def not_again(*args: object) -> calibration.Scale:
        raise AssertionError("the saved calibration should have been used")

    monkeypatch.setattr(calibration, "measure_scale", not_again)
    kb = await KnowledgeBase.open(config)
    again = await kb.ask("how can I stop my model from overfitting?")
    assert again.confidence == pytest.approx(first.confidence)
    await kb.close()


async def test_a_changed_corpus_is_calibrated_again(kb_dir: Path, make_config: Config) -> None:
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    before = json.loads((config.home / "calibration.json").read_text(encoding="utf-8"))
    note = kb_dir / "articles" / "ml-basics" / "autovacuum.md"
    note.write_text(
        "---\ntitle: PostgreSQL autovacuum\n---\n\n## When it runs\n\nAutovacuum removes "
        "dead rows once a table has changed enough since its last vacuum.\n",
        encoding="utf-8",
    )
    report = await kb.reload()
    assert report.ok
    after = json.loads((config.home / "calibration.json").read_text(encoding="utf-8"))
    assert after["key"] != before["key"]
    answer = await kb.ask("how does postgresql autovacuum decide when to run")
    assert answer.answered
    assert answer.passages[0].citation.source == "articles/ml-basics/autovacuum.md"
    await kb.close()


def test_speller_fixes_typos_against_the_corpus_and_keeps_real_words() -> None:
    speller = Speller(
        [
            "Recommended course for machine learning: start with linear regression.",
            "Learning rate and gradient descent.",
            "Spark provides batch processing.",
        ]
    )
    checked = speller.check("reccomended corse for machien lerning")
    assert checked.text == "recommended course for machine learning"
    assert checked.unknown == ()
    # Real English words the corpus lacks are not typos of corpus words ("provides").
    checked = speller.check("scrape linkedin profiles")
    assert checked.text == "scrape linkedin profiles"
    assert set(checked.unknown) == {"scrape", "linkedin", "profiles"}
    # Everyday words carry no topic: neither known nor unknown.
    assert speller.check("how does it really work").known == ()
    assert speller.check("how does it really work").unknown == ()
    # A word is known through its stem: the corpus says "learning", the learner "learn".
    assert speller.check("learn regression").unknown == ()


def test_speller_of_an_empty_corpus_knows_no_word() -> None:
    checked = Speller([]).check("crossvalidation with reccomended settings")
    assert checked.text == "crossvalidation with reccomended settings"
    assert set(checked.unknown) == {"crossvalidation", "reccomended", "settings"}


def test_speller_splits_corpus_words_run_together() -> None:
    speller = Speller(["Cross validation splits the data into folds."])
    checked = speller.check("what is crossvalidation")
    assert checked.text == "what is cross validation"
    assert checked.unknown == ()
