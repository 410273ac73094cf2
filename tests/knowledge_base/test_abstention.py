"""Answer or "not covered", and typos: the calibrated decision on the fixture knowledge base.

The real model, real FAISS and BM25 over tests/knowledge_base/fixtures/kb (a few articles on
overfitting and gradient descent, a study-habits guide, a path and resources).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index import calibration
from index.decision import Decision
from index.leftover import leftover
from index.search import IndexConfig, KnowledgeBase
from index.spelling import Speller

# Career advice next to the fixture's ML articles, written for these tests: the corpus speaks
# of durations, degrees and switching careers, and mentions pay only in passing.
CAREER_ARTICLES = {
    "how-long-does-the-path-take.md": """---
title: How long does the ML engineering path take
---

## Months, not weeks

Most learners who study about ten hours a week finish the machine learning engineering path
in nine to twelve months. A software engineer who already writes Python daily can skip the
prerequisites and often finishes in six months.
""",
    "do-i-need-a-degree.md": """---
title: Do I need a degree for ML engineering
---

## Projects count more than diplomas

A computer science degree helps with the maths, but hiring teams mostly look at what you have
built. Two finished projects with a deployed model and a clear write-up show more than a
certificate.
""",
    "switching-careers.md": """---
title: Switching careers into ML engineering
---

## Keep your job while you learn

Changing careers is easier from inside a company: volunteer for a data project at work, keep
your salary while you learn, and ask to move into the team that ships models.
""",
}


def with_career_articles(kb_dir: Path) -> Path:
    """The fixture knowledge base plus three career-advice articles."""
    folder = kb_dir / "articles" / "careers"
    folder.mkdir(parents=True)
    for name, text in CAREER_ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return kb_dir


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


async def test_a_salary_question_is_refused_where_career_questions_are_answered(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(with_career_articles(kb_dir)))
    # The corpus answers how long the path takes and whether a degree is needed ...
    await _answered_from(
        kb,
        "how many months will the ML engineering path take me",
        "articles/careers/how-long-does-the-path-take.md",
    )
    await _answered_from(
        kb, "do I need a degree to become an ML engineer", "articles/careers/do-i-need-a-degree.md"
    )
    # ... and never how much the job pays, though it names ML engineers, careers and salary.
    await _all_refused(
        kb,
        "how much do ML engineers earn",
        "how much money does an ML engineer make",
        "typical salary of an ML engineer",
    )
    await kb.close()


async def _decision(kb: KnowledgeBase, question: str) -> Decision:
    """The calibrated decision on a question's best five passages, as `ask` makes it."""
    return await kb.judge(question, await kb.search(question, top_k=5))


async def _answered_from(kb: KnowledgeBase, question: str, source: str) -> None:
    answer = await kb.ask(question)
    assert answer.answered, question
    assert answer.passages[0].citation.source == source


async def _all_refused(kb: KnowledgeBase, *questions: str) -> None:
    for question in questions:
        answer = await kb.ask(question)
        assert not answer.answered, question
        assert answer.confidence < 0.5


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
    decision = await _decision(kb, question)
    assert not decision.answered
    assert "autovacuum" in decision.unknown
    assert "not covered" in decision.explain()
    assert "autovacuum" in decision.explain()
    covered = "how can I stop my model from overfitting?"
    decision = await _decision(kb, covered)
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
    await _answered_from(
        kb, "how does postgresql autovacuum decide when to run", "articles/ml-basics/autovacuum.md"
    )
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


def test_speller_leaves_brand_names_and_words_typed_as_names_alone() -> None:
    speller = Speller(
        [
            "Linked lists and word counts; a plan for the press release.",
            "Kettle, settle and cotton: words one edit away from names.",
        ]
    )
    # Lower-case names a larger vocabulary knows are not typos of corpus words.
    checked = speller.check("is it legal to scrape linkedin or github profiles")
    assert "linkedin" in checked.text
    assert "github" in checked.text
    assert {"linkedin", "github"} <= set(checked.unknown)
    # Nor run-together corpus words.
    assert speller.check("speed up a wordpress site").text == "speed up a wordpress site"
    # Typed like names: capitalised mid-sentence, camel case, all capitals, with digits.
    question = "compare Kotlin and SwiftUI on a VLAN with G1"
    checked = speller.check(question)
    assert checked.text == question
    assert {"kotlin", "swiftui", "vlan"} <= set(checked.unknown)
    # A real typo still is one: "settel" is nobody's name.
    assert speller.check("settel the press relase").text == "settle the press release"


def test_speller_of_an_empty_corpus_knows_no_word() -> None:
    checked = Speller([]).check("crossvalidation with reccomended settings")
    assert checked.text == "crossvalidation with reccomended settings"
    assert set(checked.unknown) == {"crossvalidation", "reccomended", "settings"}


def test_speller_splits_corpus_words_run_together() -> None:
    speller = Speller(["Cross validation splits the data into folds."])
    checked = speller.check("what is crossvalidation")
    assert checked.text == "what is cross validation"
    assert checked.unknown == ()


# A docs tree of one-paragraph topic cards under one category, like a roadmap site's: it names
# its subject ("Data Engineer") on every page and answers nothing about careers. Written for
# these tests.
TOPIC_CARDS = {
    "introduction.md": "Introduction\n\nA data engineer designs, builds and looks after the "
    "systems that collect raw records from many places and turn them into tables analysts "
    "and models can trust.",
    "idempotency.md": "Idempotent pipelines\n\nA step is idempotent when running it twice leaves "
    "the same result as running it once: it overwrites a partition instead of appending to "
    "it, so a failed night can simply be run again.",
    "data-warehouse.md": "Data warehouse\n\nA warehouse keeps cleaned, structured history in "
    "columnar tables tuned for analytical queries that scan millions of rows and aggregate "
    "them.",
    "batch-vs-streaming.md": "Batch and streaming\n\nBatch jobs process a bounded chunk of "
    "records on a schedule; streaming jobs handle each event moments after it arrives and "
    "keep running.",
    "schema-evolution.md": "Schema evolution\n\nSources add and rename columns over time. "
    "Readers that tolerate new optional fields, and contracts agreed with producers, keep "
    "pipelines from breaking when that happens.",
    "data-quality.md": "Data quality checks\n\nAssertions on row counts, null rates and value "
    "ranges run after every load and stop bad data before it reaches a dashboard.",
    "orchestration.md": "Orchestration\n\nAn orchestrator runs tasks in dependency order, "
    "retries the ones that fail and starts the whole graph on a timetable.",
    "partitioning.md": "Partitioning\n\nSplitting a large table by date or key lets queries "
    "skip the files they do not need and lets loads replace one slice at a time.",
}


def topic_card_tree(root: Path) -> Path:
    """A docs tree of topic cards in a "Data Engineer" category."""
    folder = root / "cards" / "data-engineer"
    folder.mkdir(parents=True)
    (folder / "_category_.json").write_text('{"label": "Data Engineer"}', encoding="utf-8")
    for name, text in TOPIC_CARDS.items():
        heading, _, body = text.partition("\n\n")
        (folder / name).write_text(f"# {heading}\n\n{body}\n", encoding="utf-8")
    return root / "cards"


async def test_career_questions_about_a_docs_trees_own_subject_are_refused(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(topic_card_tree(tmp_path)))
    await _answered_from(
        kb, "what makes a pipeline safe to run again after it fails", "data-engineer/idempotency.md"
    )
    # The tree names its subject on every page and says what the job is, never how long it
    # takes to get hired, whether a bootcamp pays off or what the job pays.
    await _all_refused(
        kb,
        "how many months does it take to become a data engineer",
        "is a data engineering bootcamp worth the money",
        "how much does a data engineer earn",
    )
    await kb.close()


def test_speller_keeps_a_real_word_the_corpus_lacks_instead_of_a_corpus_word() -> None:
    speller = Speller(["Goroutines are light threads that the Go runtime schedules."])
    # "coroutines" is one edit from the corpus's "goroutines", but it is a word of its own
    # (Kotlin, Python): kept as typed, and evidence that the question is not covered.
    checked = speller.check("kotlin coroutines versus java threads")
    assert checked.text == "kotlin coroutines versus java threads"
    assert "coroutines" in checked.unknown
    # A misspelling of the corpus's word is still corrected.
    assert speller.check("how are goroutnes scheduled").text == "how are goroutines scheduled"


def test_everyday_words_a_corpus_lacks_are_no_evidence_but_names_are() -> None:
    speller = Speller(["Overfitting and underfitting trade bias against variance."])
    # "vs", "im" and "till" are everyday web English missing from the speller's word list:
    # a corpus that never writes them is not thereby off-topic.
    checked = speller.check("im still on overfitting vs underfitting till now")
    assert checked.unknown == ()
    # A tool or a language the corpus never names still counts.
    assert speller.check("overfitting in kubernetes helm charts").unknown == (
        "kubernetes",
        "helm",
        "charts",
    )
    assert speller.check("overfitting vs underfitting in c++").unknown == ("c++",)


def test_speller_corrects_a_misspelt_form_of_a_word_the_corpus_uses_in_another_form() -> None:
    # The corpus says "recommendation", never "recommended": the typo is still a typo, not a
    # rare word the corpus lacks (which would count against answering).
    speller = Speller(["A recommendation engine suggests the next course to take."])
    checked = speller.check("reccomended corse")
    assert checked.text == "recommended course"
    assert checked.unknown == ()


async def test_what_the_best_passage_leaves_out_of_a_career_question_reads_off_topic(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(topic_card_tree(tmp_path)))
    # The introduction card explains "data engineering", not the interviews: what is left of
    # the question reads like the off-topic and near-miss questions of the calibration.
    career = "how many interviews does it take to land a data engineering job"
    covered = "what makes a pipeline safe to run again after it fails"
    asked = await _decision(kb, career)
    answered = await _decision(kb, covered)
    assert not asked.answered
    assert answered.answered
    assert asked.leftover > answered.leftover
    assert "leftover" in asked.explain()
    await kb.close()


def test_a_leftover_is_the_unit_part_of_the_question_its_passage_does_not_explain() -> None:
    rng = np.random.default_rng(7)
    question, passage = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 16)))
    rest = leftover(question, passage)
    assert abs(float(rest @ passage)) < 1e-5  # nothing of the passage is left
    assert abs(float(np.linalg.norm(rest)) - 1.0) < 1e-5
    assert float(rest @ question) > 0  # and it is part of the question
    assert np.allclose(leftover(question, None), question)
    assert not leftover(passage, passage).any()  # a passage that says it all leaves nothing


def test_speller_corrects_a_typo_that_only_the_stem_of_a_corpus_word_matches() -> None:
    # "becom" stems like the corpus's "become": known by its stem, yet a typo the model would
    # read as one. Another real form of a corpus word, or a longer word, is left as typed.
    speller = Speller(["To become a data engineer, learn how tokens and pipelines work."])
    assert speller.check("how do I becom a data engneer").text == "how do I become a data engineer"
    assert speller.check("what are tokenizers").text == "what are tokenizers"


async def test_a_career_question_with_two_typos_is_refused_as_the_clean_one_is(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(topic_card_tree(tmp_path)))
    clean = "how many months does it take to become a data engineer"
    typed = "how many monhts does it take to becom a data engneer"
    # The typos hid the career words from the twins and the leftover: both read the question
    # as corrected, so the typed one is refused like the clean one.
    measured = calibration.for_snapshot(kb.snapshot, kb.embedder, kb.ranking)
    assert measured.check(typed).text == clean
    await _all_refused(kb, clean, typed)
    await kb.close()


async def test_a_question_naming_a_technology_the_corpus_never_mentions_is_refused(
    tmp_path: Path, make_config: Config
) -> None:
    root = topic_card_tree(tmp_path)
    (root / "data-engineer" / "event-streams.md").write_text(
        "# Event streams\n\nKafka keeps an ordered log of events per topic; consumers read it "
        "at their own pace and streaming jobs process each event as it arrives.\n",
        encoding="utf-8",
    )
    kb = await KnowledgeBase.open(make_config(root))
    # The orchestration card comes close, but the tree never mentions Helm.
    question = "run the orchestration graph on a schedule with a helm chart"
    decision = await _decision(kb, question)
    assert not decision.answered
    assert decision.confidence == 0.0
    assert "names helm, which this knowledge base never mentions" in decision.explain()
    # A bundled technology the tree does mention is no evidence against answering.
    await _answered_from(kb, "how do kafka consumers read events", "data-engineer/event-streams.md")
    await kb.close()


def test_speller_does_not_turn_a_term_the_corpus_lacks_into_a_word_it_uses() -> None:
    speller = Speller(
        [
            "Make a study plan for each week and keep to the plan.",
            "Tables, columns and rows: how a relational database stores data.",
        ]
    )
    # Typed in lower case, so not protected as a name: still no "plan" or "tables", because a
    # learner does not misspell a word's first letter.
    for question, term in [
        ("configure a vlan on a network switch", "vlan"),
        ("write iptables rules to block a port", "iptables"),
    ]:
        checked = speller.check(question)
        assert checked.text == question
        assert term in checked.unknown
    # A typo in the middle of the word still is one.
    assert speller.check("a stduy plna").text == "a study plan"


# A long, messy article section of the kind found on the web: one passage listing many tools,
# each named once. Written for this test.
TOOLS_ARTICLE = """---
title: What I used while moving from data engineering to ML
---

## The toolbox after a year

- Jupyter notebooks for trying an idea in ten minutes
- Google Colab whenever my laptop needed a free GPU
- MLflow to log every experiment and keep a registry of models
- Weights & Biases dashboards to compare training runs side by side
- DVC so that datasets are versioned next to the code
- Papers with Code to find a working implementation of a new paper
- Great Expectations to check each batch of data before training
- Streamlit for the small demo apps my team asked for
- Optuna once grid search became too slow
- Label Studio when we had to annotate images ourselves
"""


async def test_a_short_look_up_of_one_detail_in_a_long_passage_is_answered(
    kb_dir: Path, make_config: Config
) -> None:
    (kb_dir / "articles" / "toolbox.md").write_text(TOOLS_ARTICLE, encoding="utf-8")
    kb = await KnowledgeBase.open(make_config(kb_dir))
    # One line of ten: the passage's vector is about all of them, so the cosine is low, but the
    # passage uses every word of the question.
    question = "papers with code"
    decision = await _decision(kb, question)
    assert decision.answered, decision.explain()
    assert decision.coverage == 1.0
    assert "its best passage uses 100% of its topic words" in decision.explain()
    await _answered_from(kb, question, "articles/toolbox.md")
    # A near-miss beside it still is not covered: the article names Streamlit, not its pricing.
    await _all_refused(kb, "how much does a streamlit cloud team plan cost per month")
    await kb.close()


async def test_explain_names_the_words_a_question_shares_with_off_topic_ones(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    question = "what salary can a junior engineer expect after this overfitting course"
    decision = await _decision(kb, question)
    assert not decision.answered
    assert "salary" in decision.off_topic_words
    assert "asks like off-topic questions: salary" in decision.explain()
    # A covered question may share an everyday word ("stop") and still weighs on its passage.
    covered = "how can I stop my model from overfitting?"
    decision = await _decision(kb, covered)
    assert decision.answered
    assert "salary" not in decision.off_topic_words
    await kb.close()
