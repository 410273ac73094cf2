"""Fixtures for study tests: a small roadmap, a controllable clock, a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.study.service import StudyServices
from index.catalog import Catalog, Module, Pathway, Resource, Roadmap
from tests.storage.backends import BACKENDS, open_test_database

ML = Roadmap(
    id="ml",
    title="ML Path",
    summary="A small path for tests.",
    modules=(
        Module("basics", "Basics", 0, 4, 4, 10, "Python and maths.", ("Python", "Algebra")),
        Module("data-engineering", "Data Engineering", 1, 2, 2, 10, "Pipelines.", ("SQL",)),
        Module("models", "Models", 2, 6, 6, 10, "Training models.", ("Trees", "Nets")),
    ),
    pathways=(
        Pathway("beginner", 12, 12),
        Pathway("software-engineer", 9, 9),
        Pathway("data-engineer", 6, 6),
    ),
)
WEB = Roadmap(
    id="web",
    title="Web Path",
    summary="Another path.",
    modules=(Module("basics", "Web Basics", 0, 1, 1, 5, "HTML."),),
)
CATALOG = Catalog(
    roadmaps={"ml": ML, "web": WEB},
    resources=[
        Resource(
            "Python Tutorial", "https://docs.python.org/3/tutorial/", "docs", "ml", "basics", True
        )
    ],
)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    # A Monday, noon UTC.
    return Clock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    # Every service test runs on SQLite and, when a test server is configured, PostgreSQL.
    async with open_test_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def service(db: Database, clock: Clock) -> StudyServices:
    return StudyServices.build(db, lambda: CATALOG, default_timezone="UTC", clock=clock)
