"""Two long articles: a fair question about one detail is answered, a near-miss refused.

A community's docs are often a few long first-person articles (like ../shared/corpora/seeds),
not topic cards. A question about one detail inside a long section ("did the certificate matter
in the end") gets a low cosine against the whole section, and what the section leaves
unexplained is that detail. Before issue 12's eighth round the leftover's on-topic reference
was the corpus's headings alone, so such a question read like off-topic and was refused
(confidence 0.32 and 0.17 on the two below); with one sentence of each passage asked as a
question beside the headings (index/detail_sentences.py) it is answered (0.65, 0.60), while
pay, bootcamp and employment-law questions next to the articles are still refused. The real
model, FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.detail_sentences import sentence, sentences
from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]

# Written for these tests: two long personal articles, four long sections each.
LONG_ARTICLES = {
    "from-teaching-to-testing.md": """---
title: From teaching to software testing, one year later
---

## Why I left the classroom

I taught chemistry at a secondary school for eight years. I liked the students, but the marking
never stopped, and by the end of my sixth year I was spending most Sunday evenings on lesson
plans instead of with my family. A former pupil who had become a developer told me that the
testers on his team were often people from other careers, because the job rewards patience,
careful notes and the habit of asking what could go wrong. That conversation stayed with me for
months before I did anything about it.

## The first three months

I started with the basics of how web applications work: requests, responses, status codes and
the browser's developer tools. I wrote test cases by hand for a small online shop that a
friend ran, and I learned to write a bug report that a developer could reproduce without asking
me anything. The hardest habit to build was describing exactly what I expected to happen
before I clicked anything. In the second month I took the foundation level certificate from
the international testing board; it taught me the vocabulary more than the craft, but recruiters
asked about it. By the third month I could explain equivalence partitioning and boundary value
analysis to my partner over dinner, which I took as a sign that I understood them.

## Learning to automate

Automation came next. I chose Python because the teachers' union newsletter was built with it
and I could ask a friend for help. I learned pytest first, then Selenium to drive a browser,
and later Playwright, which felt faster and less fragile. The mistake I made for weeks was
testing through the user interface everything that could have been checked through the API in
a fraction of the time. A senior tester I met at a meetup drew the testing pyramid on a napkin
for me, and after that I wrote far fewer browser tests and far more small ones. I kept every
exercise in a public repository, with a short README explaining what each test protected.

## Getting the first job

I applied to forty companies over two months and had six interviews. Most interviewers asked me
to test an everyday object, such as a lift or a vending machine, out loud. My teaching helped:
I was used to thinking aloud in front of people. The offer I accepted came from a logistics
company that valued my notes more than my code. Looking back, the portfolio of small automated
suites mattered more than the certificate, and the patience I learned with teenagers mattered
more than both.
""",
    "learning-statistics-as-an-adult.md": """---
title: Learning statistics as an adult
---

## Starting again from zero

At thirty-five I realised that every interesting job advert I read asked for statistics, and I
had forgotten everything after secondary school. I gave myself a year of evenings. The plan was
simple: one topic a week, one small analysis of real data at the end of each topic, and no new
topic until I could explain the previous one without notes.

## Descriptive statistics and distributions

The first month was about summarising data: means, medians, spread, and why the median of house
prices tells you more than the mean. I downloaded the public bicycle-hire records of my city and
made histograms of ride lengths until the idea of a skewed distribution felt obvious. The book
that finally made probability click for me was a second-hand copy of a course by a retired
lecturer who explained every idea with dice and playing cards before writing a single formula.
I learned the normal distribution by simulating thousands of coin tosses in a spreadsheet and
watching the bell shape appear.

## Inference without the fear

Hypothesis tests scared me at first. What helped was writing, in plain words, what the test
assumes and what a p-value does not mean: it is not the probability that the hypothesis is
true. I practised confidence intervals on the bicycle data, estimating the average weekday ride
and checking how the interval narrowed as I used more days. Bootstrapping, resampling the data
many times to see how much an estimate moves, was the tool that made intervals feel real rather
than magic. I also learned to be suspicious of any result that came from testing twenty
different things and reporting the one that worked.

## Regression and what came after

Linear regression took a month on its own. I fitted models of ride length against temperature
and rain, looked at the residuals, and learned that a straight line can hide a curve. By the end
of the year I could read the methods section of a paper without skipping it. The next step was
a course on experimental design, because most questions at work turned out to be about
comparing two versions of something fairly.
""",
}


def long_articles(root: Path) -> Path:
    """A folder with the two long articles."""
    folder = root / "articles"
    folder.mkdir(parents=True)
    for name, text in LONG_ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "question",
    [
        # "... the portfolio of small automated suites mattered more than the certificate"
        "did the certificate matter in the end",
        # "In the second month I took the foundation level certificate ..."
        "did the foundation certificate help you get hired",
    ],
)
async def test_a_detail_of_a_long_article_is_answered(
    tmp_path: Path, make_config: Config, question: str
) -> None:
    kb = await KnowledgeBase.open(make_config(long_articles(tmp_path)))
    answer = await kb.ask(question)
    assert answer.answered, question
    assert answer.confidence >= 0.5
    assert answer.passages[0].citation.source == "from-teaching-to-testing.md"
    await kb.close()


async def test_near_misses_next_to_long_articles_are_refused(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(long_articles(tmp_path)))
    # The articles speak of careers, jobs, certificates and a school; never of pay figures,
    # bootcamps or what an employer may forbid.
    for question in (
        "how much do software testers earn in canada",
        "is a testing bootcamp worth the money",
        "can my school stop me from taking a second job",
    ):
        answer = await kb.ask(question)
        assert not answer.answered, question
        assert answer.confidence < 0.5
        assert answer.passages == ()
    await kb.close()


def test_the_calibration_asks_a_sentence_of_the_passage_not_its_heading_or_links() -> None:
    passage = (
        "Learning statistics as an adult › Inference without the fear\n"
        "Hypothesis tests scared me at first.\n"
        "What helped was writing, in plain words, what the test assumes.\n"
        "- [@article@A guide to p-values for people who hate p-values](https://example.org)\n"
        "Bootstrapping made intervals feel real rather than magic to me. Short one."
    )
    # Of the sentences of 6 to 20 words (the heading trail and the link line left out), the
    # middle one.
    assert sentence(passage) == "What helped was writing, in plain words, what the test assumes."
    assert sentence("Only a heading › With a trail\nToo short.") is None


def test_several_sentences_of_a_passage_are_spread_over_it_each_once() -> None:
    fitting = [
        "Start with one small project you actually care about finishing.",
        "Read the documentation of the library before searching for answers.",
        "Write down what confused you at the end of every session.",
        "Explain the idea to a friend to see where your understanding breaks.",
    ]
    passage = "Study habits › Small steps\n" + "\n".join(["Too short.", *fitting])
    # The middle of each of two halves; one is today's middle sentence; more than there are
    # gives each fitting sentence once, in order.
    assert sentences(passage, 2) == [fitting[1], fitting[3]]
    assert sentences(passage) == [fitting[2]] == [sentence(passage)]
    assert sentences(passage, 9) == fitting
