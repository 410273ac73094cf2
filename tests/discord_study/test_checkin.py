"""`/checkin` end to end: replies, bad input, autocomplete, and streaks at local midnight."""

from __future__ import annotations

import pytest

from tests.discord_study.conftest import (
    SESSION_LOOP,
    StudyBot,
    StudyWorld,
    make_plan,
    no_plan_text,
)

pytestmark = SESSION_LOOP
OUT_OF_WINDOW = "The date must be between Tue 3 Mar 2026 and today (Tue 10 Mar 2026)"


async def test_checkin_reports_streak_and_module_progress(
    running: StudyBot, world: StudyWorld
) -> None:
    await make_plan(world, world.alice)
    first = await world.fake.slash(
        world.guild,
        world.alice,
        "checkin",
        minutes=90,
        module="python-basics",
        note="pandas with @everyone",
    )
    assert first.ephemeral
    assert first.message.pings_nobody
    embed = first.message.embeds[0]
    assert embed["title"] == "Logged 1 h 30 min on Python Basics"
    assert "First check-in of the day" in embed["description"]
    assert "Streak **1 day**" in embed["description"]
    # The note is quoted back defused: no ping, even if a client ignored allowed_mentions.
    assert "📝 pandas with @\u200beveryone" in embed["description"]
    [module] = embed["fields"]
    assert module["name"] == "Python Basics"
    assert "1 h 30 min of" in module["value"]

    second = await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=30, module="Python Basics"
    )
    text = second.message.text
    assert "First check-in" not in text
    assert "Streak **1 day**" in text
    assert "2 h of" in text
    rows = await running.services.db.fetch_value("SELECT sum(minutes) FROM checkins")
    assert rows == 120


async def test_backdated_checkin_builds_the_streak(running: StudyBot, world: StudyWorld) -> None:
    await make_plan(world, world.alice)
    late = await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=20, module="statistics", date="2026-03-09"
    )
    assert "Studied Mon 9 Mar 2026 (back-dated)" in late.message.text
    today = await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=20, module="statistics"
    )
    assert "Streak **2 days**" in today.message.text


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"minutes": 0}, "Minutes must be a whole number from 1 to 1440 (24 hours)."),
        ({"minutes": 2000}, "Minutes must be a whole number from 1 to 1440 (24 hours)."),
        ({"module": "knitting"}, "'knitting' is not a module of your Practical ML plan; choose"),
        ({"note": "x" * 10_000}, "A note can be at most 500 characters; this one has 10000."),
        ({"date": "2026-03-11"}, OUT_OF_WINDOW),
        ({"date": "2026-02-08"}, OUT_OF_WINDOW),
        ({"date": "yesterday-ish"}, "Dates are written YYYY-MM-DD"),
    ],
)
async def test_checkin_bad_input_writes_nothing(
    running: StudyBot, world: StudyWorld, options: dict[str, object], expected: str
) -> None:
    await make_plan(world, world.alice)
    before = await running.counts()
    values: dict[str, object] = {"minutes": 30, "module": "python-basics"}
    values.update(options)
    result = await world.fake.slash(world.guild, world.alice, "checkin", **values)
    assert result.ephemeral
    assert result.message.content.startswith(expected), result.message.content
    assert "\n" not in result.message.content
    assert await running.counts() == before


async def test_checkin_without_a_plan(running: StudyBot, world: StudyWorld) -> None:
    result = await world.fake.slash(world.guild, world.alice, "checkin", minutes=30, module="sql")
    assert result.ephemeral
    assert result.message.content == no_plan_text(world)
    assert (await running.counts())["checkins"] == 0


async def test_module_and_date_autocomplete(running: StudyBot, world: StudyWorld) -> None:
    fake = world.fake
    none = await fake.autocomplete(world.guild, world.alice, "checkin", focused="module", module="")
    assert none == []  # no plan yet: nothing to offer
    await make_plan(world, world.alice, done="python-basics")
    choices = await fake.autocomplete(
        world.guild, world.alice, "checkin", focused="module", module=""
    )
    assert choices[0] == {"name": "Statistics · current", "value": "statistics"}
    assert len(choices) == 5
    assert {"name": "Python Basics · done", "value": "python-basics"} in choices
    typed = await fake.autocomplete(
        world.guild, world.alice, "checkin", focused="module", module="deep"
    )
    assert typed == [{"name": "Deep Learning", "value": "deep-learning"}]
    # Another learner sees their own plan only (here: none).
    assert (
        await fake.autocomplete(world.guild, world.bob, "checkin", focused="module", module="")
        == []
    )

    await fake.slash(world.guild, world.alice, "timezone", zone="Pacific/Auckland")
    dates = await fake.autocomplete(world.guild, world.alice, "checkin", focused="date", date="")
    # 12:00 UTC on 10 March is already 11 March in Auckland: the choices follow the learner.
    assert dates[0]["value"] == "2026-03-11"
    assert dates[0]["name"] == "Today — Wed 11 Mar 2026"
    assert len(dates) == 8


async def test_streak_across_the_learners_local_midnight(
    running: StudyBot, world: StudyWorld
) -> None:
    """23:50 and 00:10 in Tokyo are two study days, though both are 10 March in UTC."""
    await world.fake.slash(world.guild, world.alice, "timezone", zone="Asia/Tokyo")
    await world.fake.slash(world.guild, world.bob, "timezone", zone="UTC")
    await make_plan(world, world.alice, start="2026-03-01")
    await make_plan(world, world.bob, start="2026-03-01")

    running.clock.set("2026-03-10T14:50:00+00:00")  # 23:50 in Tokyo
    evening = await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=25, module="statistics"
    )
    assert "First check-in of the day" in evening.message.text
    assert "Streak **1 day**" in evening.message.text
    await world.fake.slash(world.guild, world.bob, "checkin", minutes=25, module="statistics")

    running.clock.set("2026-03-10T15:10:00+00:00")  # 00:10 on 11 March in Tokyo
    after = await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=25, module="statistics"
    )
    assert "First check-in of the day" in after.message.text
    assert "Streak **2 days**" in after.message.text
    same_day = await world.fake.slash(
        world.guild, world.bob, "checkin", minutes=25, module="statistics"
    )
    assert "First check-in" not in same_day.message.text
    assert "Streak **1 day**" in same_day.message.text

    dates = await running.services.db.fetch_all(
        "SELECT study_date FROM checkins WHERE user_id = ? ORDER BY id", (world.alice.id,)
    )
    assert [r[0] for r in dates] == ["2026-03-10", "2026-03-11"]
