"""A small career guide: what it answers about its path, and what it must still refuse.

A learning-path site about a career answers "how long does it take" in a section of a long
getting-started page, not in an article titled with the question. The calibrated decision
(index/calibration.py) must answer what such a guide covers and refuse what no guide answers
(pay figures, bootcamp value, law), without a constant per corpus: any future discount of the
career evidence on career corpora has to keep the refusals below. Known limit, measured in
issue 12's seventh round (bench/abstention.py's docstring): this fixture still refuses "how
many months does it take to become a data engineer" (confidence 0.01), which its
getting-started page answers. The real model, FAISS and BM25.
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


def career_guide(root: Path) -> Path:
    """A small learning-path site about becoming a data engineer."""
    folder = root / "paths" / "data-engineering"
    folder.mkdir(parents=True)
    (folder / "_category_.json").write_text('{"label": "Data Engineering"}', encoding="utf-8")
    for name, text in CAREER_GUIDE.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root / "paths"


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
