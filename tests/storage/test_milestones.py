"""Milestone roles on both backends: a mapping toggles, a member is given each milestone once."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.db import Database
from bot.storage.milestones import MilestoneRepository
from bot.storage.study import StudyRepository

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
G, OTHER, ALICE, BOB = 1, 2, 10, 11


async def test_roles_toggle_and_grants_are_once(db: Database) -> None:
    repo = MilestoneRepository(db)
    assert await repo.toggle_role(G, 7, 700, by=1, at=NOW)
    assert await repo.toggle_role(G, 30, 3000, by=1, at=NOW)
    assert await repo.toggle_role(G, 7, 701, by=1, at=NOW)  # another role at 7 replaces it
    assert await repo.roles(G) == {7: 701, 30: 3000}
    assert await repo.roles(OTHER) == {}

    assert await repo.ungranted(G, ALICE, 6) == []
    assert await repo.ungranted(G, ALICE, 45) == [(7, 701), (30, 3000)]
    assert await repo.record_grant(G, ALICE, 7, 701, NOW)
    assert not await repo.record_grant(G, ALICE, 7, 701, NOW)  # once
    assert await repo.ungranted(G, ALICE, 45) == [(30, 3000)]
    assert await repo.ungranted(G, BOB, 45) == [(7, 701), (30, 3000)]

    assert not await repo.toggle_role(G, 7, 701, by=1, at=NOW)  # the same role again: removed
    assert await repo.roles(G) == {30: 3000}


async def test_deleting_a_learner_forgets_their_milestone_grants(db: Database) -> None:
    repo = MilestoneRepository(db)
    await repo.toggle_role(G, 7, 700, by=1, at=NOW)
    study = StudyRepository(db)
    for user in (ALICE, BOB):
        await study.ensure_learner(G, user, NOW)
        assert await repo.record_grant(G, user, 7, 700, NOW)
    async with db.transaction():
        await study.delete_learner(G, ALICE)
    assert await repo.ungranted(G, ALICE, 45) == [(7, 700)]  # no record left
    assert await repo.ungranted(G, BOB, 45) == []
