"""Privacy: export or delete everything stored about a member in one scope.

"Everything" is the study data (learner settings, plans, completions, check-ins) and the
questions they asked with their votes. Both front ends call these two methods, so the terminal and
Discord export and delete the same rows; the delete runs in one transaction.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from bot.storage.questions import QuestionRepository
from bot.study import TERMINAL_SCOPE
from bot.study.context import StudyContext
from bot.study.models import DeletedData

log = logging.getLogger(__name__)

EXPORT_FORMAT = "waypoint-study-export"


def question_guild(scope: int) -> int | None:
    """The questions log's guild for a study scope: the terminal's questions have none."""
    return None if scope == TERMINAL_SCOPE else scope


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class PrivacyService:
    """A member's data export and deletion requests."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx
        self._questions = QuestionRepository(ctx.db)

    async def export_data(self, scope: int, user_id: int) -> dict[str, Any]:
        """Everything stored about the member in this scope, as JSON-ready data."""
        ctx, repo = self._ctx, self._ctx.repo
        # One transaction: a consistent snapshot even while they check in meanwhile.
        async with ctx.db.transaction():
            learner = await repo.learner(scope, user_id)
            plans = await repo.plans(scope, user_id)
            checkins = await repo.checkins(scope, user_id)
            completed = await repo.all_completed(scope, user_id)
            questions = await self._questions.member_history(question_guild(scope), user_id)
        return {
            "format": EXPORT_FORMAT,
            "version": 1,
            "exported_at": ctx.now().isoformat(),
            "scope": scope,
            "user_id": user_id,
            "learner": None
            if learner is None
            else {
                "timezone": learner.timezone,
                "created_at": learner.created_at.isoformat(),
                "reminder": learner.remind_at,
                "last_reminded": _iso(learner.last_reminded),
                "leaderboard": learner.leaderboard,
            },
            "plans": [
                {
                    "path": p.path_id,
                    "path_title": p.path_title,
                    "background": p.background,
                    "hours_per_week": p.hours_per_week,
                    "start": p.start.isoformat(),
                    "finish": p.finish.isoformat(),
                    "created_at": p.created_at.isoformat(),
                    "modules": [
                        {
                            "module": m.module_id,
                            "title": m.title,
                            "module_hours": m.module_hours,
                            "hours_planned": m.hours,
                            "start": _iso(m.start),
                            "end": _iso(m.end),
                            "weekly_hours": m.weekly_hours,
                        }
                        for m in p.modules
                    ],
                }
                for p in plans
            ],
            "completed_modules": [
                {"path": path, "module": module, "completed_at": when.isoformat()}
                for path, module, when in completed
            ],
            "checkins": [
                {
                    "date": c.study_date.isoformat(),
                    "path": c.path_id,
                    "module": c.module_id,
                    "minutes": c.minutes,
                    "note": c.note,
                    "timezone": c.timezone,
                    "entered_at": c.entered_at.isoformat(),
                    "backdated": c.backdated,
                    "source": "study room" if c.from_study_room else "checkin",
                }
                for c in checkins
            ],
            "questions": questions,
        }

    async def delete_data(self, scope: int, user_id: int) -> DeletedData:
        """Delete everything stored about the member in this scope, in one transaction."""
        async with self._ctx.db.transaction():
            study = await self._ctx.repo.delete_learner(scope, user_id)
            # Joins the transaction above (nested use in one task does not commit on its own).
            questions = await self._questions.delete_user(question_guild(scope), user_id)
        deleted = DeletedData(study.checkins, study.plans, study.completions, questions)
        log.info(
            "deleted data scope=%s user=%s (%d check-ins, %d plans, %d questions)",
            scope,
            user_id,
            deleted.checkins,
            deleted.plans,
            deleted.questions,
        )
        return deleted
