"""A small career guide: what it answers about its path, and what it must still refuse.

A learning-path site about a career answers "how long does it take" in a section of a long
getting-started page, not in an article titled with the question. The calibrated decision
(index/calibration.py) must answer what such a guide covers and refuse what no guide answers
(pay figures, bootcamp value, law), without a constant per corpus: any future discount of the
career evidence on career corpora has to keep the refusals below. Since issue 12's eighth round
the decision reads whether the passage found gives what the question asks for
(index/aspects.py): the guide's path and module durations are answered, and the same questions
over a tree of topic cards that never give a duration are refused. Known limit: "how many months
does it take to become a data engineer" is still refused here (confidence 0.12): the role
overview ranks first and the question reads like its near-miss twin "how many months until I
can get hired for data engineering". The real model, FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]

# A small learning-path site about becoming a data engineer, written for these tests in the
# layout of a Docusaurus career path: a getting-started guide whose sections say what the job
# is, how the path is built and how many months it takes from each background, then modules.
CAREER_GUIDE = {
    "getting-started.md": """---
title: Getting Started with Data Engineering
---

## Data Engineering Role Overview

- **Role and responsibilities**
  - Build and run the pipelines that move raw records into trusted tables
  - Model warehouses so analysts and data scientists can query them quickly
  - Keep data fresh, documented and tested as sources change
- **Career outlook**
  - Companies of every size hire data engineers, and the work pays well
  - Many move on to platform, analytics engineering or machine learning roles

## Learning Path Structure

- **Five modules**
  - Module 1: SQL and Python foundations (6-8 weeks)
  - Module 2: Pipelines and orchestration (8-10 weeks)
  - Module 3: Warehouses and modelling (6-8 weeks)
  - Module 4: Streaming systems (6-8 weeks)
  - Module 5: Cloud platforms and operations (8-10 weeks)
- **Personalized pathways**
  - Complete beginners: 12-16 months for the whole curriculum, with extra time on SQL
  - Software developers: 7-9 months, focused on modelling and orchestration
  - Data analysts: 8-10 months, focused on Python and pipeline engineering

## Getting Started Action Plan

- **Week 1**: install Python, a local database and a notebook environment
- **Weeks 2-4**: write SQL every day against a public dataset and load it with a script
""",
    "01-foundations.md": """---
title: SQL and Python Foundations
---

## Querying with SQL

- Joins, grouping and window functions over realistic tables
- Reading query plans and adding indexes where scans are slow

## Python for data work

- Reading files and APIs, cleaning records with pandas
- Packaging scripts so they run the same way on a scheduler
""",
    "02-pipelines.md": """---
title: Pipelines and Orchestration
---

## Building reliable pipelines

- Extract, load and transform steps that can be run again after a failure
- Checks on row counts and null rates after every load

## Orchestration

- Running tasks in dependency order with retries and a timetable
- Alerting when a nightly run misses its deadline
""",
}


# The same subject as topic cards, written for these tests in the layout of a docs tree of
# one-paragraph topic files: each says what a thing is, none says how long anything takes.
TOPIC_CARDS = {
    "introduction.md": """# Data Engineering

Data engineering is the work of collecting raw records from many systems, cleaning them and
storing them so that analysts, data scientists and applications can rely on them. A data
engineer designs the pipelines, the storage and the checks that keep that data correct.
""",
    "data-pipelines.md": """# Data Pipelines

A data pipeline moves records from a source to a destination in steps: extract, transform and
load. Good pipelines can be run again after a failure without duplicating rows, and they check
row counts and null rates after each load so that problems surface early.
""",
    "orchestration.md": """# Orchestration

An orchestrator runs the tasks of a pipeline in dependency order, retries the ones that fail
and keeps a timetable of runs. Airflow, Dagster and Prefect are common choices; each describes
a workflow as a graph of tasks written in Python.
""",
    "data-warehouses.md": """# Data Warehouses

A data warehouse stores cleaned, modelled tables for analytical queries. Columnar storage and
partitioning keep scans cheap, and a star schema with fact and dimension tables makes the data
easy for analysts to query.
""",
    "streaming.md": """# Streaming Systems

Streaming systems process events as they arrive instead of in nightly batches. A log such as
Kafka keeps the events in order, and a stream processor joins, filters and aggregates them over
windows of time.
""",
    "sql.md": """# SQL

SQL is the language of relational databases. Data engineers use joins, grouping and window
functions to shape tables, and read query plans to find slow scans that an index would avoid.
""",
    "data-analyst-vs-data-engineer.md": """# Data Analyst vs Data Engineer

A data analyst answers business questions with the data: reports, dashboards and ad hoc
queries. A data engineer builds and maintains the systems that deliver that data, so the two
roles work closely and share SQL as a common tool.
""",
}

# Duration questions the guide's "Learning Path Structure" section answers (months per
# background, weeks per module); both were refused before the asked-for aspect.
DURATION_QUESTIONS = (
    "how long will the data engineering path take me as a data analyst",
    "how many weeks is the pipelines module",
)


def career_guide(root: Path) -> Path:
    """A small learning-path site about becoming a data engineer."""
    folder = root / "paths" / "data-engineering"
    folder.mkdir(parents=True)
    (folder / "_category_.json").write_text('{"label": "Data Engineering"}', encoding="utf-8")
    for name, text in CAREER_GUIDE.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root / "paths"


def topic_cards(root: Path) -> Path:
    """A small docs tree of data engineering topic cards that give no durations."""
    folder = root / "cards" / "data-engineer"
    folder.mkdir(parents=True)
    for name, text in TOPIC_CARDS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root / "cards"


async def test_a_career_guide_answers_its_path_and_refuses_pay_bootcamp_and_law(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(career_guide(tmp_path)))
    answer = await kb.ask("which modules are in the data engineering path")
    assert answer.answered
    assert answer.passages[0].citation.source == "data-engineering/getting-started.md"
    # The guide says the work "pays well" and names careers on every page; it gives no pay
    # figure, no verdict on bootcamps and no legal advice.
    for question in (
        "what salary does a data engineer get in germany",
        "is a data engineering bootcamp worth the money",
        "can I sue my employer for unpaid overtime",
    ):
        refused = await kb.ask(question)
        assert not refused.answered, question
        assert refused.confidence < 0.5
    await kb.close()


async def test_a_duration_question_is_answered_where_the_guide_gives_months_and_refused_on_cards(
    tmp_path: Path, make_config: Config
) -> None:
    guide = await KnowledgeBase.open(make_config(career_guide(tmp_path)))
    cards = await KnowledgeBase.open(make_config(topic_cards(tmp_path)))
    for question in DURATION_QUESTIONS:
        hits = await guide.search(question, top_k=5)
        decision = await guide.judge(question, hits)
        assert decision.answered, decision.explain()
        assert "the question asks for a duration; the passage gives one" in decision.explain()
        assert hits[0].chunk.citation.section.endswith("Learning Path Structure")
        answer = await guide.ask(question)
        assert answer.answered, question
        # The same question over topic cards that say what things are, never how long they take.
        refused = await cards.judge(question, await cards.search(question, top_k=5))
        assert not refused.answered, refused.explain()
        assert "the question asks for a duration; the passage gives none" in refused.explain()
    await guide.close()
    await cards.close()
