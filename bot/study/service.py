"""The study use cases, built together over one database, catalog, clock and default zone.

Each use case has its own module and class (learners, plans, check-ins, progress, community,
privacy); `StudyServices` is what the wiring hands to the front ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.storage.db import Database
from bot.study.checkins import CheckinService
from bot.study.community import CommunityService
from bot.study.context import Clock, StudyContext
from bot.study.learners import LearnerService
from bot.study.plans import PlanService
from bot.study.privacy import PrivacyService
from bot.study.progress import ProgressService
from bot.study.rooms import StudyRoomService
from index.catalog import Catalog

__all__ = ["StudyServices"]


@dataclass(frozen=True)
class StudyServices:
    """One instance of every study use case, sharing their context."""

    learners: LearnerService
    plans: PlanService
    checkins: CheckinService
    progress: ProgressService
    community: CommunityService
    privacy: PrivacyService
    rooms: StudyRoomService

    @classmethod
    def build(
        cls,
        db: Database,
        catalog: Callable[[], Catalog],
        *,
        default_timezone: str = "UTC",
        clock: Clock | None = None,
        room_minute_seconds: float = 60.0,
    ) -> StudyServices:
        """The study services over `db`; `catalog` is read on each use (it changes on reload)."""
        ctx = StudyContext(db, catalog, default_timezone=default_timezone, clock=clock)
        plans, checkins = PlanService(ctx), CheckinService(ctx)
        return cls(
            learners=LearnerService(ctx),
            plans=plans,
            checkins=checkins,
            progress=ProgressService(ctx),
            community=CommunityService(ctx),
            privacy=PrivacyService(ctx),
            rooms=StudyRoomService(ctx, checkins, plans, minute_seconds=room_minute_seconds),
        )
