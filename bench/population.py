"""A community of learners with plans and back-filled check-ins, written straight to the
database: what `bench/study.py` and `bench/backends.py` measure the services against."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.storage.db import Database
from bot.storage.study import StudyRepository
from bot.study import planner
from bot.study.streaks import day_number
from index.catalog import Roadmap

BATCH = 500  # learners per transaction


async def seed(
    db: Database,
    scope: int,
    roadmap: Roadmap,
    users: range,
    days: int,
    now: datetime,
    per_day: float = 1.0,
) -> int:
    """Plans started `days` ago and a check-in on each day since (today included) with
    probability `per_day`, moving through the roadmap's first six modules; returns the count."""
    repo = StudyRepository(db)
    today = now.date()
    module_ids = [m.id for m in roadmap.modules]
    rng = random.Random(7)  # the same community on every run and backend
    count = 0
    for start in range(users.start, users.stop, BATCH):
        rows: list[tuple[object, ...]] = []
        async with db.transaction():
            for user in range(start, min(start + BATCH, users.stop)):
                await repo.ensure_learner(scope, user, now)
                draft = planner.build_plan(
                    roadmap, "beginner", 10, today - timedelta(days=days), ()
                )
                await repo.replace_plan(scope, user, draft, now)
                for back in range(days, -1, -1):
                    if rng.random() > per_day:
                        continue
                    on = today - timedelta(days=back)
                    module = module_ids[min(len(module_ids) - 1, (days - back) * 6 // (days + 1))]
                    minutes = rng.randint(15, 120)
                    rows.append(
                        (scope, user, roadmap.id, module, minutes, "bench", on.isoformat(),
                         day_number(on, 0), "UTC", now.isoformat(), on.isoformat())
                    )  # fmt: skip
            await db.executemany(
                "INSERT INTO checkins (scope, user_id, path_id, module_id, minutes, note,"
                " study_date, day, timezone, entered_at, entered_date)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        count += len(rows)
    return count
