"""`/mydata export` and `/mydata delete` (confirmed only by the member who asked)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.discord.errors import UNEXPECTED
from tests.discord_study.conftest import (
    SESSION_LOOP,
    STUDY_KNOWLEDGE,
    StudyBot,
    StudyWorld,
    make_plan,
)

pytestmark = SESSION_LOOP


async def _some_data(world: StudyWorld) -> None:
    for guild, who in ((world.guild, world.alice), (world.other, world.alice_elsewhere)):
        await make_plan(world, who, guild, done="python-basics")
        await world.fake.slash(
            guild, who, "checkin", minutes=40, module="statistics", note="z-scores"
        )


async def test_export_is_a_private_json_file(running: StudyBot, world: StudyWorld) -> None:
    await _some_data(world)
    result = await world.fake.slash(world.guild, world.alice, "mydata export")
    assert result.ephemeral
    assert result.message.content.endswith("1 plan and 1 check-in.")
    [attachment] = result.message.attachments
    assert attachment.filename == f"waypoint-data-{world.guild.id}.json"
    data = json.loads(attachment.data)
    assert data["scope"] == world.guild.id
    assert data["user_id"] == world.alice.id
    assert [c["note"] for c in data["checkins"]] == ["z-scores"]
    assert data["completed_modules"][0]["module"] == "python-basics"

    nothing = await world.fake.slash(world.guild, world.bob, "mydata export")
    assert json.loads(nothing.message.attachments[0].data)["checkins"] == []


async def _rows(running: StudyBot, guild_id: int, user_id: int) -> int:
    total = 0
    for table in ("learners", "plans", "completions", "checkins"):
        total += await running.services.db.fetch_value(
            f"SELECT count(*) FROM {table} WHERE scope = ? AND user_id = ?", (guild_id, user_id)
        )
    return total


async def test_delete_needs_the_owners_confirm_click(running: StudyBot, world: StudyWorld) -> None:
    await _some_data(world)
    fake = world.fake
    stored = await _rows(running, world.guild.id, world.alice.id)
    assert stored > 0

    prompt = await fake.slash(world.guild, world.alice, "mydata delete")
    assert prompt.ephemeral
    assert "cannot be undone" in prompt.message.content
    confirm, cancel = prompt.message.custom_ids
    assert await _rows(running, world.guild.id, world.alice.id) == stored  # asking deletes nothing

    stranger = await fake.click(prompt.message, confirm, world.bob)
    assert stranger.ephemeral
    assert stranger.message.content == (
        "Only the member who asked can confirm deleting their own data."
    )
    assert await _rows(running, world.guild.id, world.alice.id) == stored

    cancelled = await fake.click(prompt.message, cancel, world.alice)
    assert prompt.message.content == "Cancelled: nothing was deleted."
    assert not prompt.message.components
    assert cancelled.callback_type == 7  # the prompt itself was updated
    assert await _rows(running, world.guild.id, world.alice.id) == stored

    again = await fake.slash(world.guild, world.alice, "mydata delete")
    confirm, _ = again.message.custom_ids
    await fake.click(again.message, confirm, world.alice)
    assert again.message.content == (
        "Deleted: 1 check-in, 1 plan and 1 completed module, with your timezone, reminder and "
        "leaderboard settings in this server."
    )
    assert not again.message.components
    assert await _rows(running, world.guild.id, world.alice.id) == 0
    # Her data in the other server is untouched.
    assert await _rows(running, world.other.id, world.alice.id) == stored
    gone = await fake.slash(world.guild, world.alice, "plan show")
    assert "no study plan yet" in gone.message.content


async def test_an_unanswered_prompt_expires_without_deleting(
    running: StudyBot, world: StudyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.discord.cogs.mydata

    monkeypatch.setattr(bot.discord.cogs.mydata, "CONFIRM_SECONDS", 0.3)
    await _some_data(world)
    stored = await _rows(running, world.guild.id, world.alice.id)
    prompt = await world.fake.slash(world.guild, world.alice, "mydata delete")
    assert len(prompt.message.custom_ids) == 2
    await world.fake.wait_for(lambda: not prompt.message.components, 5.0, "the prompt to expire")
    assert prompt.message.content == "No confirmation within two minutes: nothing was deleted."
    assert await _rows(running, world.guild.id, world.alice.id) == stored


async def test_questions_and_votes_are_part_of_my_data(
    running: StudyBot, world: StudyWorld
) -> None:
    fake = world.fake
    asked = await fake.slash(world.guild, world.alice, "ask", question="what is overfitting?")
    await fake.slash(world.guild, world.bob, "ask", question="what is a feature store?")
    helpful = next(c for c in asked.message.custom_ids if c.endswith(":up"))
    await fake.click(asked.message, helpful, world.alice)

    export = await fake.slash(world.guild, world.alice, "mydata export")
    history = json.loads(export.message.attachments[0].data)["questions"]
    assert [q["question"] for q in history if "question" in q] == ["what is overfitting?"]
    assert [(v["vote_on"], v["helpful"]) for v in history if "vote_on" in v] == [
        ("what is overfitting?", True)
    ]

    async def asked_by(user_id: int) -> int:
        count: int = await running.services.db.fetch_value(
            "SELECT count(*) FROM questions WHERE guild_id = ? AND user_id = ?",
            (world.guild.id, user_id),
        )
        return count

    prompt = await fake.slash(world.guild, world.alice, "mydata delete")
    assert "the questions you asked" in prompt.message.content
    await fake.click(prompt.message, prompt.message.custom_ids[0], world.alice)
    assert await asked_by(world.alice.id) == 0
    assert await asked_by(world.bob.id) == 1
    votes = await running.services.db.fetch_value(
        "SELECT count(*) FROM feedback WHERE user_id = ?", (world.alice.id,)
    )
    assert votes == 0


# The schema's tables (SQLite's own statistics tables differ with each connection's history).
_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (sorted), read with the standard library's sqlite3."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        tables = [r[0] for r in conn.execute(_TABLES)]
        return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")), key=repr) for t in tables}


async def test_terminal_and_discord_delete_the_same_rows(
    running: StudyBot, world: StudyWorld, tmp_path: Path
) -> None:
    """`waypoint mydata delete --scope G --learner U` and `/mydata delete` remove exactly the same
    rows: study data, the questions asked and the votes given, in that server only."""
    fake = world.fake
    await _some_data(world)
    await make_plan(world, world.bob)
    asked = await fake.slash(world.guild, world.alice, "ask", question="what is overfitting?")
    theirs = await fake.slash(world.guild, world.bob, "ask", question="how to avoid overfitting?")
    await fake.click(asked.message, asked.message.custom_ids[0], world.bob)
    await fake.click(theirs.message, theirs.message.custom_ids[1], world.alice)
    await fake.slash(world.other, world.alice_elsewhere, "ask", question="what is a z-score?")

    live = running.services.settings.database_path
    copy_dir = tmp_path / "terminal"
    copy_dir.mkdir()
    with (
        contextlib.closing(sqlite3.connect(live)) as source,
        contextlib.closing(sqlite3.connect(copy_dir / live.name)) as target,
    ):
        source.backup(target)
    before = _dump(copy_dir / live.name)

    prompt = await fake.slash(world.guild, world.alice, "mydata delete")
    await fake.click(prompt.message, prompt.message.custom_ids[0], world.alice)
    assert "Deleted: 1 check-in, 1 plan" in prompt.message.content
    assert "Also deleted: 1 question you asked" in prompt.message.content
    argv = ["--data-dir", str(copy_dir), "--knowledge", str(STUDY_KNOWLEDGE), "mydata", "delete"]
    argv += ["--scope", str(world.guild.id), "--learner", str(world.alice.id), "--yes"]
    assert await asyncio.to_thread(main, argv) == 0

    after_discord, after_terminal = _dump(live), _dump(copy_dir / live.name)
    assert after_terminal == after_discord
    # What went: alice's rows in this server, her questions and her votes; nothing else.
    gone = {t: set(before[t]) - set(after_terminal[t]) for t in before}
    assert {t for t, rows in gone.items() if rows} == {
        "learners",
        "plans",
        "plan_modules",
        "completions",
        "checkins",
        "questions",
        "feedback",
    }
    assert len(gone["questions"]) == 1
    assert len(gone["feedback"]) == 2  # her vote, and bob's vote on her question
    assert len(after_terminal["questions"]) == 2  # bob's here, hers in the other server


async def test_a_failed_delete_changes_nothing(running: StudyBot, world: StudyWorld) -> None:
    """Study data and questions go in one transaction: if the questions cannot be deleted, the
    study data stays too, and the member is told something went wrong."""
    fake = world.fake
    await _some_data(world)
    await fake.slash(world.guild, world.alice, "ask", question="what is overfitting?")
    live = running.services.settings.database_path
    before = _dump(live)
    await running.services.db.execute(
        "CREATE TRIGGER refuse BEFORE DELETE ON questions BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    prompt = await fake.slash(world.guild, world.alice, "mydata delete")
    click = await fake.click(prompt.message, prompt.message.custom_ids[0], world.alice)
    assert click.text == UNEXPECTED
    await running.services.db.execute("DROP TRIGGER refuse")
    assert _dump(live) == before
